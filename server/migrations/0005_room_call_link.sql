-- Version 5: a single session's own video-call link, given when it is created and shown
-- in its room ("Rejoindre la visio"). NULL for none, and for a group's session, which
-- shows its group's link.

ALTER TABLE rooms ADD COLUMN call_link TEXT;
