-- Version 1: a room is what it was created with, its seats and its numbered events.

CREATE TABLE rooms (
    code                 TEXT    NOT NULL PRIMARY KEY,
    title                TEXT    NOT NULL,
    language             TEXT    NOT NULL,
    -- Milliseconds since the Unix epoch, server time.
    created_at           INTEGER NOT NULL,
    -- SHA-256 of the facilitator key; the key itself is never stored.
    facilitator_key_hash BLOB    NOT NULL
) STRICT;

CREATE TABLE seats (
    room        TEXT NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
    participant TEXT NOT NULL,
    -- SHA-256 of the participant's resume token.
    token_hash  BLOB NOT NULL,
    PRIMARY KEY (room, participant)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
    room       TEXT    NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
    -- The room's sequence number: 1, 2, 3... without gaps.
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    -- Who sent the command that caused the event, and its id. Private server state:
    -- for a posted note, this is its author.
    actor      TEXT,
    command_id INTEGER,
    -- The event as JSON, exactly as `shared::Event` serializes it.
    event      TEXT    NOT NULL,
    PRIMARY KEY (room, seq)
) STRICT, WITHOUT ROWID;
