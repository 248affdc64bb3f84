-- The send path's insert is the product's hottest statement, and its two foreign-key checks were
-- a third of PostgreSQL's CPU per stored message (a per-row lookup of the channel and a KEY SHARE
-- lock on the author's row, measured with pgbench on 30-row batches: 52 -> 33 us per row; see
-- bench/RESULTS.md). Both are already guaranteed without them:
-- - channel_id: the insert takes it from the channel rows it has just locked FOR UPDATE (a send to
--   a channel that does not exist stores nothing and is answered 404);
-- - author_id: the signed-in user, whose row the sign-in upserted before any session could exist.
-- No code path deletes users or channels. One that is added later must delete (or keep) their
-- messages itself, in the same transaction.
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_channel_id_fkey;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_author_id_fkey;
