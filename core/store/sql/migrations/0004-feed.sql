-- The hub's change feed: every change of a room a device may see gets the
-- next number of one global sequence, so a kiosk that reconnects (even to
-- a hub that was restarted or killed) resumes exactly where it stopped.

-- hub_meta holds the hub's own small facts, one row each. The row named
-- 'feed' carries the feed's epoch (random, chosen once; a new database is
-- a new epoch) in text_value and the last sequence number handed out in
-- int_value.
CREATE TABLE hub_meta (
    name       TEXT PRIMARY KEY,
    text_value TEXT NOT NULL DEFAULT '',
    int_value  BIGINT NOT NULL DEFAULT 0
);

-- feed_rooms holds each room's latest sequence number. A room that left
-- the directory keeps its row with removed set, so a kiosk that was away
-- learns that it is gone. view_hash is the SHA-256 of the room's view as
-- last sent, so the hub notices changes it missed while it was down. No
-- foreign key: the row outlives the room.
CREATE TABLE feed_rooms (
    room_id   TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    removed   BOOLEAN NOT NULL DEFAULT FALSE,
    view_hash TEXT NOT NULL DEFAULT ''
);

CREATE INDEX feed_rooms_seq ON feed_rooms (seq);
