-- Exactly once, in order (issue 12). Every stored channel event (a new message, an edit, a delete)
-- takes the channel's next sequence number in the commit that stores it, under the channel row's
-- lock: channels.seq is the last number given. A new message keeps its number in messages.seq;
-- an edit or delete gives the message a new one in changed_seq, so "everything after N" is the
-- messages with seq > N and the ones with changed_seq > N. A delete leaves a tombstone (deleted_at
-- set, text cleared) so that it can be told to a client that was away.
--
-- One writer per channel, fenced: a node writes a channel only after claiming it (owner_epoch + 1,
-- owner_node), and every write checks the epoch it claimed in the same statement that locks the
-- row, so a node whose view of the cluster is stale cannot commit. published_seq is the last
-- number the owner had published when it stored its latest batch: a new owner republishes what
-- lies after it, which is at most the last batch of an owner that died before publishing it.
ALTER TABLE channels
  ADD COLUMN seq           bigint NOT NULL DEFAULT 0,
  ADD COLUMN published_seq bigint NOT NULL DEFAULT 0,
  ADD COLUMN owner_epoch   bigint NOT NULL DEFAULT 0,
  ADD COLUMN owner_node    text;

ALTER TABLE messages
  ADD COLUMN seq         bigint,
  ADD COLUMN changed_seq bigint,
  ADD COLUMN deleted_at  timestamptz;

UPDATE messages m SET seq = n.seq
FROM (SELECT id, row_number() OVER (PARTITION BY channel_id ORDER BY id) AS seq FROM messages) n
WHERE m.id = n.id;

UPDATE channels c SET seq = n.top, published_seq = n.top
FROM (SELECT channel_id, max(seq) AS top FROM messages GROUP BY channel_id) n
WHERE c.id = n.channel_id;

ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;

-- History, resume and trimming walk one channel by sequence (ids follow the same order within a
-- channel: both are given under the channel's lock). Unique: two writers can never both commit a
-- number. The id index it replaces would be a fourth index entry per stored message.
CREATE UNIQUE INDEX messages_channel_seq_idx ON messages (channel_id, seq);
DROP INDEX messages_channel_id_idx;
-- Edits and deletes are rare: a partial index costs new messages nothing.
CREATE INDEX messages_channel_changed_idx ON messages (channel_id, changed_seq) WHERE changed_seq IS NOT NULL;
