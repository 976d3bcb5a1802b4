-- PostgreSQL, version 1: the same rooms, seats, events and groups as SQLite's five
-- versions (server/migrations/*.sql), and who owns each room and group in a cluster
-- (docs/cluster.md). Times are milliseconds since the Unix epoch, server time, except
-- the leases, which are judged by this database's own clock.

-- The server processes sharing this database. A node registers with a fresh id at
-- every start and renews its lease every second; a room or group whose owner's lease
-- has lapsed may be claimed by another node.
CREATE TABLE nodes (
    id          TEXT        NOT NULL PRIMARY KEY,
    -- How the proxy in front knows it (a server's name in HAProxy's configuration),
    -- told to a connection that came to the wrong node; and where it serves.
    name        TEXT        NOT NULL,
    address     TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The last renewal: a node that has not renewed for a few seconds is probably gone,
    -- and a claim on one of its rooms waits for its lease to lapse rather than send
    -- people to it.
    renewed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until TIMESTAMPTZ NOT NULL
);

CREATE TABLE rooms (
    code                 TEXT   NOT NULL PRIMARY KEY,
    title                TEXT   NOT NULL,
    language             TEXT   NOT NULL,
    created_at           BIGINT NOT NULL,
    -- SHA-256 of the facilitator key; the key itself is never stored.
    facilitator_key_hash BYTEA  NOT NULL,
    closed_at            BIGINT,
    -- The group whose session it runs, and the session's place in the series; NULL
    -- for a single session. No foreign key: deleting a group deletes these rooms.
    group_code           TEXT,
    series_index         INTEGER,
    call_link            TEXT,
    -- The node that holds it in memory (NULL: none), and how many claims it has seen:
    -- a commit writes for it only while the node still owns it at the epoch it claimed.
    owner                TEXT,
    epoch                BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rooms_by_group ON rooms (group_code) WHERE group_code IS NOT NULL;
CREATE INDEX rooms_by_age ON rooms ((COALESCE(closed_at, created_at)), code);

CREATE TABLE seats (
    room        TEXT  NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
    participant TEXT  NOT NULL,
    -- SHA-256 of the participant's resume token.
    token_hash  BYTEA NOT NULL,
    PRIMARY KEY (room, participant)
);

CREATE TABLE events (
    room       TEXT   NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
    -- The room's sequence number: 1, 2, 3... without gaps.
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    -- Who sent the command that caused the event, and its id. Private server state:
    -- for a posted note, this is its author.
    actor      TEXT,
    command_id BIGINT,
    -- The event as JSON, exactly as `shared::Event` serializes it: TEXT, not JSONB,
    -- which would reorder its keys (the server reads `type` first).
    event      TEXT   NOT NULL,
    PRIMARY KEY (room, seq)
);

CREATE TABLE groups (
    code                 TEXT   NOT NULL PRIMARY KEY,
    name                 TEXT   NOT NULL,
    created_at           BIGINT NOT NULL,
    facilitator_key_hash BYTEA  NOT NULL,
    owner                TEXT,
    epoch                BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE group_members (
    group_code TEXT  NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    member     TEXT  NOT NULL,
    token_hash BYTEA NOT NULL,
    PRIMARY KEY (group_code, member)
);

CREATE TABLE group_events (
    group_code TEXT   NOT NULL REFERENCES groups (code) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT,
    command_id BIGINT,
    event      TEXT   NOT NULL,
    PRIMARY KEY (group_code, seq)
);
