-- Roomboard cache, first schema. Portable SQL: standard types only; instants
-- are BIGINT microseconds since the Unix epoch (UTC), booleans BOOLEAN,
-- structured values JSON in TEXT. No column holds a secret.

CREATE TABLE integrations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL DEFAULT '',
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    settings   TEXT,
    updated_at BIGINT
);

CREATE TABLE room_lists (
    id       TEXT PRIMARY KEY,
    email    TEXT NOT NULL DEFAULT '',
    name     TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL DEFAULT '',
    floor    TEXT NOT NULL DEFAULT ''
);

-- rooms holds rooms and equipment; kind tells them apart.
CREATE TABLE rooms (
    id        TEXT PRIMARY KEY,
    email     TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    capacity  INTEGER NOT NULL DEFAULT 0,
    kind      TEXT NOT NULL DEFAULT 'room',
    list_id   TEXT REFERENCES room_lists (id) ON DELETE SET NULL,
    building  TEXT NOT NULL DEFAULT '',
    floor     TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL DEFAULT '',
    features  TEXT,
    policy    TEXT
);

CREATE INDEX rooms_list_id ON rooms (list_id);

CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE groups (
    id    TEXT PRIMARY KEY,
    email TEXT NOT NULL DEFAULT '',
    name  TEXT NOT NULL DEFAULT ''
);

-- member_id is a person's (or nested group's) ID; it has no foreign key
-- because scope may include a group without all of its members.
CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);

-- (room_id, source_id) is unique: replaying a create after a crash updates
-- the row instead of adding a duplicate.
CREATE TABLE bookings (
    id              TEXT PRIMARY KEY,
    room_id         TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    source_id       TEXT NOT NULL,
    change_key      TEXT NOT NULL DEFAULT '',
    ical_uid        TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    organizer_name  TEXT NOT NULL DEFAULT '',
    organizer_email TEXT NOT NULL DEFAULT '',
    attendees       TEXT,
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    all_day         BOOLEAN NOT NULL DEFAULT FALSE,
    private         BOOLEAN NOT NULL DEFAULT FALSE,
    cancelled       BOOLEAN NOT NULL DEFAULT FALSE,
    recurring       BOOLEAN NOT NULL DEFAULT FALSE,
    series_id       TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    checked_in_at   BIGINT,
    released_at     BIGINT,
    updated_at      BIGINT,
    UNIQUE (room_id, source_id)
);

CREATE INDEX bookings_room_start ON bookings (room_id, starts_at);

-- One row per synced mailbox. sync_state is the EWS SyncState or Graph
-- delta token: opaque, not a credential.
CREATE TABLE sync_state (
    mailbox       TEXT PRIMARY KEY,
    integration   TEXT NOT NULL DEFAULT '',
    sync_state    TEXT NOT NULL DEFAULT '',
    delta_link    TEXT NOT NULL DEFAULT '',
    window_start  BIGINT,
    window_end    BIGINT,
    last_success  BIGINT,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at BIGINT
);
