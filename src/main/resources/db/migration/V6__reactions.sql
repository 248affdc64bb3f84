-- Emoji reactions (issue 13, part 5). One row per (message, person, emoji): the primary key is the
-- toggle (a person reacts with an emoji at most once), and its leading message_id serves every
-- read of a message's reactions.
--
-- No aggregate is kept on the message row. Every read of a message (history pages, resume, the
-- edit and reaction replies) builds its reactions with one index probe of this table per message
-- shown (at most 100 per page, and a message without reactions costs one empty probe), which
-- keeps one source of truth: nothing to keep in step, and the reactors' names are the users' names
-- as they are now (an aggregate would keep the names of the moment they reacted). The send path
-- neither reads nor writes this table.
--
-- A toggle is a channel event, written by the channel's owner under its fenced claim like an edit:
-- it takes the channel's next number, which becomes the message's changed_seq (so resume brings
-- the message with its current reactions) and its reacted_seq, which tells resume that the
-- message's latest change was a reaction ("reaction" event) rather than an edit ("edit" event).
--
-- ON DELETE CASCADE: trimming deletes old messages, and their reactions go with them in the same
-- statement. It costs the trim one probe of this table per deleted message; inserting messages
-- costs nothing (the check runs only when a reaction is inserted). Deletions of messages are
-- tombstones, not deletes: a deleted message's reactions stay until it is trimmed, and are never
-- shown.
CREATE TABLE reactions (
  message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id    bigint      NOT NULL,
  emoji      text        NOT NULL CHECK (length(emoji) BETWEEN 1 AND 16),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (message_id, user_id, emoji)
);

-- Null until the message's first reaction; metadata only, no rewrite of the table.
ALTER TABLE messages ADD COLUMN reacted_seq bigint;
