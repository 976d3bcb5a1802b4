-- Version 4: a room that runs a session of a group (docs/groups.md, "How a group's
-- session is a room"): its group and its place in the group's series. Both are NULL
-- for a single session. No foreign key to groups: a room outlives nothing it needs
-- from its group row, and deleting a group deletes its sessions' rooms as rooms.

ALTER TABLE rooms ADD COLUMN group_code TEXT;
ALTER TABLE rooms ADD COLUMN series_index INTEGER;
