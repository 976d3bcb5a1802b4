-- Version 3: groups and their series (docs/groups.md): what a group was created with,
-- its members' tokens and its numbered events, beside the rooms'.

CREATE TABLE groups (
    code                 TEXT    NOT NULL PRIMARY KEY,
    name                 TEXT    NOT NULL,
    -- Milliseconds since the Unix epoch, server time.
    created_at           INTEGER NOT NULL,
    -- SHA-256 of the group facilitator's key; the key itself is never stored.
    facilitator_key_hash BLOB    NOT NULL
) STRICT;

CREATE TABLE group_members (
    group_code TEXT NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    member     TEXT NOT NULL,
    -- SHA-256 of the member's personal token.
    token_hash BLOB NOT NULL,
    PRIMARY KEY (group_code, member)
) STRICT, WITHOUT ROWID;

CREATE TABLE group_events (
    group_code TEXT    NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    -- The group's sequence number: 1, 2, 3... without gaps.
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    -- Who sent the command that caused the event, and its id. Private server state:
    -- for a vote, this is the voter.
    actor      TEXT,
    command_id INTEGER,
    -- The event as JSON, exactly as `shared::group::GroupEvent` serializes it.
    event      TEXT    NOT NULL,
    PRIMARY KEY (group_code, seq)
) STRICT, WITHOUT ROWID;
