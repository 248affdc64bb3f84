package io.vertxchat.persistence;

/** Every SQL statement of the product; parameters are always {@code $n}, never concatenated. */
final class SqlQueries {
  private SqlQueries() {
  }

  private static final String MESSAGE_COLUMNS = """
    m.id, c.name AS channel, m.text, m.created_at, m.edited_at,
    u.id AS u_id, u.name AS u_name, u.avatar_url AS u_avatar_url, u.profile_url AS u_profile_url,
    u.provider AS u_provider
    """;

  /**
   * Stores a batch of messages, of one or several channels, in one round trip and one commit.
   * Locking the channels' rows first (in id order, so two batches never deadlock) makes concurrent
   * writers (on any node) commit each channel in id order, so a reader who saw id N and asks for
   * {@code after N} can never miss a lower id committed later. Rows that repeat an (author,
   * clientId) are skipped: a retried send stores nothing new. Rows of a channel that does not
   * exist are not stored. $1 channel names, $2 author ids, $3 texts, $4 client ids, one per message.
   */
  static final String INSERT_MESSAGES = """
    WITH ch AS MATERIALIZED (
      SELECT id, name FROM channels WHERE name = ANY($1::text[]) ORDER BY id FOR UPDATE
    ), batch AS (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
        WITH ORDINALITY AS b(channel, author_id, text, client_id, ord)
    )
    INSERT INTO messages (channel_id, author_id, text, client_id)
    SELECT ch.id, batch.author_id, batch.text, batch.client_id FROM batch JOIN ch ON ch.name = batch.channel
    ORDER BY batch.ord
    ON CONFLICT (author_id, client_id) DO NOTHING
    RETURNING id, author_id, client_id, created_at
    """;

  /** Which of these channels exist. $1 channel names. */
  static final String EXISTING_CHANNELS = "SELECT name FROM channels WHERE name = ANY($1::text[])";

  /** The message an earlier send with the same (author, clientId) stored. $1 author, $2 client id. */
  static final String MESSAGE_BY_CLIENT_ID = "SELECT " + MESSAGE_COLUMNS + """
    FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    WHERE m.author_id = $1 AND m.client_id = $2
    """;

  /** The newest messages before an id, newest first. $1 channel, $2 before (exclusive), $3 limit. */
  static final String HISTORY_BEFORE = "SELECT " + MESSAGE_COLUMNS + """
    FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    WHERE m.channel_id = (SELECT id FROM channels WHERE name = $1) AND m.id < $2
    ORDER BY m.id DESC LIMIT $3
    """;

  /** The oldest messages after an id, oldest first. $1 channel, $2 after, $3 before, $4 limit. */
  static final String HISTORY_AFTER = "SELECT " + MESSAGE_COLUMNS + """
    FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    WHERE m.channel_id = (SELECT id FROM channels WHERE name = $1) AND m.id > $2 AND m.id < $3
    ORDER BY m.id ASC LIMIT $4
    """;

  /** Edits a message if $2 wrote it. $1 id, $2 author, $3 text. */
  static final String EDIT_MESSAGE = """
    WITH m AS (
      UPDATE messages SET text = $3, edited_at = now() WHERE id = $1 AND author_id = $2 RETURNING *
    )
    SELECT m.id, c.name AS channel, m.text, m.created_at, m.edited_at,
      u.id AS u_id, u.name AS u_name, u.avatar_url AS u_avatar_url, u.profile_url AS u_profile_url,
      u.provider AS u_provider
    FROM m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    """;

  /** Deletes a message if $2 wrote it. $1 id, $2 author. */
  static final String DELETE_MESSAGE = """
    WITH m AS (
      DELETE FROM messages WHERE id = $1 AND author_id = $2 RETURNING id, channel_id
    )
    SELECT m.id, c.name AS channel FROM m JOIN channels c ON c.id = m.channel_id
    """;

  /** Who wrote a message, to tell "not yours" (403) from "no such message" (404). $1 id. */
  static final String MESSAGE_AUTHOR = "SELECT author_id FROM messages WHERE id = $1";

  static final String CHANNELS = "SELECT name, created_at, created_by FROM channels ORDER BY name";

  static final String CHANNEL_BY_NAME = "SELECT name, created_at, created_by FROM channels WHERE name = $1";

  /** $1 name, $2 creator. A duplicate name fails with SQLState 23505. */
  static final String INSERT_CHANNEL = """
    INSERT INTO channels (name, created_by) VALUES ($1, $2) RETURNING name, created_at, created_by
    """;

  /** Creates or refreshes a user by (provider, subject). $1..$6 as named. */
  static final String UPSERT_USER = """
    INSERT INTO users (provider, subject, name, email, avatar_url, profile_url)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (provider, subject) DO UPDATE SET
      name = EXCLUDED.name, email = EXCLUDED.email, avatar_url = EXCLUDED.avatar_url,
      profile_url = EXCLUDED.profile_url, updated_at = now()
    RETURNING id AS u_id, name AS u_name, avatar_url AS u_avatar_url, profile_url AS u_profile_url,
      provider AS u_provider, subject, email, last_channel
    """;

  static final String USER_BY_ID = """
    SELECT id AS u_id, name AS u_name, avatar_url AS u_avatar_url, profile_url AS u_profile_url,
      provider AS u_provider, subject, email, last_channel
    FROM users WHERE id = $1
    """;

  /** Last visited channels of many users at once; only existing channels are remembered. $1 ids, $2 names. */
  static final String SET_LAST_CHANNELS = """
    UPDATE users u SET last_channel = b.channel
    FROM unnest($1::bigint[], $2::text[]) AS b(id, channel)
    WHERE u.id = b.id AND EXISTS (SELECT 1 FROM channels c WHERE c.name = b.channel)
    """;

  /** Only one node trims at a time: a transaction-scoped advisory lock, skipped when busy. $1 key. */
  static final String TRY_TRIM_LOCK = "SELECT pg_try_advisory_xact_lock($1) AS locked";

  /**
   * Keeps the newest $1 messages of every channel. For each channel an index scan finds the id of
   * the newest message to drop, and the delete walks the same index: no full scan per tick.
   */
  static final String TRIM_HISTORY = """
    WITH cut AS (
      SELECT c.id AS channel_id,
        (SELECT m.id FROM messages m WHERE m.channel_id = c.id ORDER BY m.id DESC OFFSET $1 LIMIT 1) AS newest_dropped
      FROM channels c
    )
    DELETE FROM messages m USING cut
    WHERE cut.newest_dropped IS NOT NULL AND m.channel_id = cut.channel_id AND m.id <= cut.newest_dropped
    """;

  static final String PING = "SELECT 1";
}
