-- Paired kiosks, the audit log, and online-meeting links on bookings.

ALTER TABLE bookings ADD COLUMN online_meeting_url TEXT NOT NULL DEFAULT '';

-- token_hash is the SHA-256 of the device token (hex); the token itself is
-- never stored.
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    rooms      TEXT,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT,
    revoked_at BIGINT
);

-- id is SQLite's rowid alias; a PostgreSQL schema spells it
-- BIGINT GENERATED ALWAYS AS IDENTITY. Queries only use INSERT ... RETURNING.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    detail TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target);
