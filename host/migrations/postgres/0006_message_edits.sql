-- Edits of webhook messages through the Discord format (issue 14): when a message was last
-- edited, and the message as its sender's format had it (Discord's content and embeds, JSON),
-- so that format's API can answer with it and an edit can change one part and keep the rest.
ALTER TABLE messages ADD COLUMN edited_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN format_source TEXT;
