// Package store is Roomboard's local cache in SQLite (modernc.org/sqlite, no
// cgo): integrations (their non-secret settings), room lists, rooms and
// equipment, people, groups and their members, bookings, per-mailbox sync
// state with its health, paired devices and the audit log.
//
// Open applies the numbered migrations embedded from sql/migrations in one
// transaction and records the schema version; it refuses a database written
// by a newer build (*SchemaTooNewError) and reports a damaged file as
// *CorruptError without writing to it. ApplyBookingChanges stores a batch of
// booking changes together with the sync state that follows it, in one
// transaction, so a sync killed at any point resumes without losing or
// duplicating anything.
//
// This is the only package in the tree that contains SQL. Beyond the
// connection pragmas the SQL is kept portable (standard types, $n
// placeholders, ON CONFLICT, RETURNING, no SQLite-only functions), so a
// PostgreSQL backend can follow. Instants are stored as microseconds since
// the Unix epoch and always come back in UTC.
//
// It deliberately does not: store secrets (passwords, client secrets and
// device tokens live in the OS keyring or only as SHA-256 hashes; a test
// checks the schema for such columns); decide anything about syncing
// (which mailboxes, when, windows, back-off are core/syncer's job); mask
// private bookings (core/room does that before anything leaves the hub); or
// publish change events (core/bus).
package store
