-- Version 2: when a session was closed, on its room, for retention queries.

ALTER TABLE rooms ADD COLUMN closed_at INTEGER;

UPDATE rooms
SET closed_at = (
    SELECT json_extract(events.event, '$.at')
    FROM events
    WHERE events.room = rooms.code
      AND json_extract(events.event, '$.type') = 'session_closed'
    ORDER BY events.seq DESC
    LIMIT 1
);
