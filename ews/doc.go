// Package ews is a client for Exchange Web Services (EWS), the SOAP API of
// Exchange Server 2013, 2016, 2019 and Subscription Edition (and of Exchange
// Online while Microsoft still allows it).
//
// Each EWS operation lives in its own file, named after the operation
// (get_rooms.go, sync_folder_items.go, ...). Every file holds the wire structs
// for that operation, one exported method on [Client] named verbatim after the
// operation so it can be found next to Microsoft's reference, and pure
// marshal/parse helpers so the operation is testable from bytes alone.
//
// Supported operations: GetRoomLists, GetRooms, FindPeople, ResolveNames,
// ExpandDL, FindItem (CalendarView and indexed paging), GetItem,
// SyncFolderItems, GetUserAvailability, CreateItem, UpdateItem, DeleteItem,
// Subscribe (streaming, pull, push), GetEvents, GetStreamingEvents,
// Unsubscribe, and the push SendNotification callback.
//
// Errors come in three layers, as Exchange reports them:
//   - transport and HTTP failures ([*HTTPError], or a wrapped net error);
//   - SOAP faults ([*Fault]), including the BackOffMilliseconds hint that
//     Exchange attaches to ErrorServerBusy;
//   - per-message response codes ([*ResponseError]).
//
// [IsTransient] and [BackOff] classify any of them.
//
// What this package deliberately does not do: it never retries, sleeps or
// caches; one method call is one HTTP POST, like an [http.RoundTripper]. Retry
// and back-off policy belong to the caller (core/syncer). It knows nothing
// about rooms, storage or UI, and it never logs request or response bodies,
// which may carry meeting subjects, nor any credential.
package ews
