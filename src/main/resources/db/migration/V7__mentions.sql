-- Mentions (issue 13, part 3). The chat verticle finds the "@name" tokens of a message that name a
-- member of its channel and stores them with it, as [{"id","name"}] (null when there is none), so
-- a history page needs no join and an edit replaces them with the text.
ALTER TABLE messages ADD COLUMN mentions jsonb;

-- A person's mentions in a channel after their read position: only messages that mention someone
-- are in this index, so plain messages cost it nothing, and a count walks a channel's mentions
-- only (then filters by containment, mentions @> '[{"id":N}]').
CREATE INDEX messages_channel_mentions_idx ON messages (channel_id, seq) WHERE mentions IS NOT NULL;

-- Resolving "@name" looks users up by lower(name) = lower(candidate): V4's users_lower_name_idx
-- (lower(name) text_pattern_ops) serves that equality too.
