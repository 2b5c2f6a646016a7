package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/roomboard/roomboard/core/bus"
	"github.com/roomboard/roomboard/core/hubproto"
	"github.com/roomboard/roomboard/core/room"
	"github.com/roomboard/roomboard/core/store"
	"github.com/roomboard/roomboard/core/syncer"
)

// The admin API for the console. Reads need an operator session, changes
// the admin role; every change is audited with actor "operator:<login>".
// Secrets never appear: integrations carry their settings, which hold
// none, and accounts are listed without their password hashes.

func actor(r *http.Request) string { return "operator:" + operatorFrom(r).Login }

func (s *Server) getIntegrations(w http.ResponseWriter, r *http.Request) {
	ins, err := s.db.Integrations(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]hubproto.Integration, 0, len(ins))
	for _, in := range ins {
		out = append(out, hubproto.Integration{ID: in.ID, Name: in.Name, Kind: in.Kind, Disabled: in.Disabled,
			Settings: in.Settings, Updated: in.Updated})
	}
	writeJSON(w, http.StatusOK, out)
}

// getScope lists what each integration syncs: the "scope" part of its
// stored settings. Scope is changed through the configuration, which the
// hub does not own.
func (s *Server) getScope(w http.ResponseWriter, r *http.Request) {
	ins, err := s.db.Integrations(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]hubproto.IntegrationScope, 0, len(ins))
	for _, in := range ins {
		var settings struct {
			Scope json.RawMessage `json:"scope"`
		}
		if len(in.Settings) > 0 {
			json.Unmarshal(in.Settings, &settings) // stored JSON; a bad one just has no scope
		}
		out = append(out, hubproto.IntegrationScope{Integration: in.ID, Scope: settings.Scope})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getRooms(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rooms, err := s.db.Rooms(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	feeds, err := s.db.ICalFeeds(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]hubproto.AdminRoom, 0, len(rooms))
	for _, rm := range rooms {
		out = append(out, adminRoom(rm, feeds))
	}
	writeJSON(w, http.StatusOK, out)
}

func adminRoom(rm room.Room, feeds map[string]time.Time) hubproto.AdminRoom {
	return hubproto.AdminRoom{ID: rm.ID, Email: rm.Email, Name: rm.Name, Kind: rm.Kind.String(), Capacity: rm.Capacity,
		ListID: rm.ListID, Building: rm.Building, Floor: rm.Floor, TimeZone: rm.TimeZone, Equipment: rm.Equipment,
		Policy: hubproto.FromRoomPolicy(rm.Policy), FeedSince: feeds[rm.ID]}
}

// putPolicy sets a room's display and check-in policy. The store keeps it
// through later directory refreshes (store.SetRoomPolicy), and the feed
// re-masks the room for kiosks on the RoomChanged it publishes.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := hubproto.DecodeRoomPolicy(r.Body)
	if err != nil {
		writeBadBody(w, err)
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.db.SetRoomPolicy(ctx, id, p.Policy()); errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "no such room")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if s.o.Bus != nil {
		bus.Publish(s.o.Bus, syncer.RoomChanged{RoomID: id})
	}
	s.audit(ctx, actor(r), "room.policy", id, p)
	rm, err := s.db.Room(ctx, id)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	feeds, err := s.db.ICalFeeds(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminRoom(rm, feeds))
}

// postFeed makes (or remakes, revoking the old URL) a room's iCalendar
// feed; the URL with its token is shown this once.
func (s *Server) postFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.db.Room(ctx, id); errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "no such room")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	tok, hash := newToken()
	if err := s.db.PutICalFeed(ctx, id, hash, s.now()); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.audit(ctx, actor(r), "room.feed-create", id, nil)
	writeJSON(w, http.StatusOK, hubproto.FeedToken{RoomID: id, URL: s.publicURL + hubproto.PathICalFeed + tok + ".ics"})
}

func (s *Server) deleteFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.db.RemoveICalFeed(ctx, id); errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "the room has no feed")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.audit(ctx, actor(r), "room.feed-revoke", id, nil)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getDevices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pds, err := s.db.PairedDevices(ctx)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]hubproto.Device, 0, len(pds))
	for _, pd := range pds {
		d, err := s.deviceView(ctx, pd)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, out)
}

// postRevoke revokes a device's token and ends its streams at once.
func (s *Server) postRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.db.RevokeDevice(ctx, id, s.now()); errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "no such device")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.feed.Revoke(id)
	s.seen.forget(id)
	s.audit(ctx, actor(r), "device.revoke", id, nil)
	pd, err := s.db.PairedDevice(ctx, id)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	d, err := s.deviceView(ctx, pd)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// deleteDevice forgets a device, ending its streams first.
func (s *Server) deleteDevice(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := s.db.PairedDevice(ctx, id); errors.Is(err, store.ErrNotFound) {
		writeError(w, hubproto.ErrorCodeNotFound, "no such device")
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.feed.Revoke(id)
	if err := s.db.RemoveDevice(ctx, id); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.seen.forget(id)
	s.audit(ctx, actor(r), "device.remove", id, nil)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getSync(w http.ResponseWriter, r *http.Request) {
	sts, err := s.db.SyncStates(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	now := s.now()
	out := make([]hubproto.MailboxSync, 0, len(sts))
	for _, st := range sts {
		out = append(out, hubproto.MailboxSync{Mailbox: st.Mailbox, Integration: st.Integration, LastSuccess: st.LastSuccess,
			LastError: st.LastError, LastErrorAt: st.LastErrorAt, StalenessSec: staleness(st, now)})
	}
	writeJSON(w, http.StatusOK, out)
}

// maxAuditPage bounds one page of the audit log.
const maxAuditPage = 500

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq := store.AuditQuery{Actor: q.Get("actor"), Target: q.Get("target"), Limit: 100}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, hubproto.ErrorCodeInvalid, "before must be an audit entry ID")
			return
		}
		aq.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditPage {
			writeError(w, hubproto.ErrorCodeInvalid, "limit must be 1…"+strconv.Itoa(maxAuditPage))
			return
		}
		aq.Limit = n
	}
	es, err := s.db.ListAudit(r.Context(), aq)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	page := hubproto.AuditPage{Entries: make([]hubproto.AuditEntry, 0, len(es))}
	for _, e := range es {
		page.Entries = append(page.Entries, hubproto.AuditEntry{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action,
			Target: e.Target, Detail: e.Detail})
	}
	if len(es) == aq.Limit {
		page.NextBefore = es[len(es)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getOperators(w http.ResponseWriter, r *http.Request) {
	ops, err := s.db.Operators(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]hubproto.OperatorInfo, 0, len(ops))
	for _, o := range ops {
		out = append(out, hubproto.OperatorInfo{Login: o.Login, Role: o.Role, Created: o.Created, Updated: o.Updated})
	}
	writeJSON(w, http.StatusOK, out)
}

// putOperator creates or changes an operator account. The last admin
// cannot be demoted, so the hub always has someone who can administer it.
func (s *Server) putOperator(w http.ResponseWriter, r *http.Request) {
	req, err := hubproto.DecodeOperatorRequest(r.Body)
	if err != nil {
		writeBadBody(w, err)
		return
	}
	ctx := r.Context()
	login := r.PathValue("login")
	if req.Role != hubproto.RoleAdmin {
		ops, err := s.db.Operators(ctx)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		admins, isAdmin := 0, false
		for _, o := range ops {
			if o.Role == hubproto.RoleAdmin {
				admins++
				isAdmin = isAdmin || o.Login == login
			}
		}
		if isAdmin && admins == 1 {
			writeError(w, hubproto.ErrorCodeConflict, "the last admin cannot be demoted")
			return
		}
	}
	if err := s.setOperator(ctx, actor(r), login, req.Password, req.Role); errors.Is(err, store.ErrInvalid) {
		writeError(w, hubproto.ErrorCodeInvalid, err.Error())
		return
	} else if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	o, err := s.db.Operator(ctx, login)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hubproto.OperatorInfo{Login: o.Login, Role: o.Role, Created: o.Created, Updated: o.Updated})
}
