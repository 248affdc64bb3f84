package io.vertxchat.persistence;

/** Every SQL statement of the product; parameters are always {@code $n}, never concatenated. */
final class SqlQueries {
  private SqlQueries() {
  }

  private static final String AUTHOR_COLUMNS = """
    u.id AS u_id, u.name AS u_name, u.avatar_url AS u_avatar_url, u.profile_url AS u_profile_url,
    u.provider AS u_provider
    """;

  /**
   * The reactions of the message whose id is {@code <alias>.id}, as the contract's JSON
   * {@code [{"emoji","count","users":[{"id","name"}]}]} (first reacted first; {@code []} when none),
   * read through the reactions' primary key: the column {@code reactions} that {@link Rows#message}
   * reads. Every query of a {@code Message} selects it.
   */
  static String reactionsOf(String alias) {
    return """
      COALESCE((
        SELECT json_agg(json_build_object('emoji', g.emoji, 'count', g.n, 'users', g.users) ORDER BY g.first, g.emoji)
        FROM (
          SELECT r.emoji, count(*) AS n, min(r.created_at) AS first,
            json_agg(json_build_object('id', ru.id, 'name', ru.name) ORDER BY r.created_at, ru.id) AS users
          FROM reactions r JOIN users ru ON ru.id = r.user_id WHERE r.message_id = %s.id GROUP BY r.emoji
        ) g), '[]'::json) AS reactions
      """.formatted(alias);
  }

  /** The message's reactions and the number of its latest reaction event ({@code reacted_seq}, for resume). */
  private static final String REACTION_COLUMNS = "m.reacted_seq, " + reactionsOf("m");

  private static final String MESSAGE_COLUMNS = "m.id, m.seq, m.text, m.created_at, m.edited_at, m.mentions, " + AUTHOR_COLUMNS
    + ", " + REACTION_COLUMNS;

  /**
   * Stores a batch of messages, of one or several channels, in one round trip and one commit, for
   * a writer that holds the channels' claims. It locks the channel rows whose owner epoch is still
   * the writer's (in id order, so two batches never deadlock); rows of any other channel (claimed
   * by another node since, or missing) are not stored. Each new message takes its channel's next
   * sequence number, in batch order; the channel's last number and what the writer had published
   * are recorded. A row that repeats an (author, clientId) stored before is skipped before it is
   * numbered, so numbers have no holes (but for the same clientId sent to two channels at the same
   * instant, which the unique key still stores once). The batch must not repeat a key itself:
   * {@link MessageStore} sends each once.
   * $1 channel names, $2 author ids, $3 texts, $4 client ids, one per message; $5 the batch's
   * channels, $6 the writer's epoch and $7 its published sequence number, one per channel; $8 the
   * messages' mentions as JSON text (null for none), one per message.
   */
  static final String INSERT_MESSAGES = """
    WITH fence AS (
      SELECT * FROM unnest($5::text[], $6::bigint[], $7::bigint[]) AS f(name, epoch, published)
    ), ch AS MATERIALIZED (
      SELECT c.id, c.name, c.seq, f.published FROM channels c JOIN fence f ON f.name = c.name
      WHERE c.owner_epoch = f.epoch ORDER BY c.id FOR UPDATE OF c
    ), batch AS (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $8::text[])
        WITH ORDINALITY AS b(channel, author_id, text, client_id, mentions, ord)
    ), fresh AS (
      SELECT ch.id AS channel_id, ch.seq + row_number() OVER (PARTITION BY ch.id ORDER BY batch.ord) AS seq,
        batch.author_id, batch.text, batch.client_id, batch.mentions, batch.ord
      FROM batch JOIN ch ON ch.name = batch.channel
      WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.author_id = batch.author_id AND m.client_id = batch.client_id)
    ), ins AS (
      INSERT INTO messages (channel_id, author_id, text, client_id, seq, mentions)
      SELECT channel_id, author_id, text, client_id, seq, mentions::jsonb FROM fresh ORDER BY ord
      ON CONFLICT (author_id, client_id) DO NOTHING
      RETURNING id, channel_id, author_id, client_id, created_at, seq
    ), bump AS (
      UPDATE channels c SET seq = GREATEST(c.seq, (SELECT max(i.seq) FROM ins i WHERE i.channel_id = c.id)),
        published_seq = GREATEST(c.published_seq, ch.published)
      FROM ch WHERE c.id = ch.id
    )
    SELECT id, author_id, client_id, created_at, seq FROM ins
    """;

  /** These channels' owner epochs, to tell a stale claim from a missing channel. $1 channel names. */
  static final String CHANNEL_EPOCHS = "SELECT name, owner_epoch FROM channels WHERE name = ANY($1::text[])";

  /**
   * Claims a channel for a writer: its epoch goes up by one, which fences every earlier claim. It
   * waits for the channel's write in flight, if any, so it sees that write's numbers. $1 name, $2 node.
   */
  static final String CLAIM_CHANNEL = """
    UPDATE channels SET owner_epoch = owner_epoch + 1, owner_node = $2 WHERE name = $1
    RETURNING owner_epoch, seq, published_seq
    """;

  /**
   * Channels whose last claim was $1's and whose last numbers it may not have published (what it
   * published is recorded with its next write, so its last batch always counts).
   */
  static final String CHANNELS_LEFT_BY = """
    SELECT name FROM channels WHERE owner_node = $1 AND published_seq < seq ORDER BY id LIMIT 1000
    """;

  /** The message an earlier send with the same (author, clientId) stored. $1 author, $2 client id. */
  static final String MESSAGE_BY_CLIENT_ID = "SELECT c.name AS channel, " + MESSAGE_COLUMNS + """
    FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    WHERE m.author_id = $1 AND m.client_id = $2
    """;

  /**
   * A history bound given as a message id, as that message's sequence number. An id that is not
   * in the channel (trimmed, or never its) falls back to the nearest message beyond it, an index
   * walk that only that rare case pays. Used as {@code %s} in the history queries: %1$s the id
   * parameter, %2$s the aggregate (min for an upper bound, max for a lower), %3$s the comparison
   * that keeps the messages beyond it, %4$s the value when there is none.
   */
  private static final String SEQ_OF_ID = """
    CASE WHEN %1$s::bigint IS NULL THEN %4$s ELSE COALESCE(
      (SELECT b.seq FROM messages b WHERE b.id = %1$s AND b.channel_id = c.id),
      (SELECT %2$s(b.seq) FROM messages b WHERE b.channel_id = c.id AND b.id %3$s %1$s),
      %4$s) END
    """;

  /**
   * The newest messages before an id (or the newest), oldest first, with the channel's last
   * sequence number in the same snapshot; one row with null message columns when there is none,
   * no row when the channel does not exist. $1 channel, $2 before (exclusive, null: none), $3 limit.
   */
  static final String HISTORY_BEFORE = """
    WITH c AS (SELECT id, seq FROM channels WHERE name = $1)
    SELECT c.seq AS channel_seq, $1::text AS channel, p.* FROM c LEFT JOIN LATERAL (
      SELECT * FROM (
        SELECT %s FROM messages m JOIN users u ON u.id = m.author_id
        WHERE m.channel_id = c.id AND m.deleted_at IS NULL AND m.seq < (%s)
        ORDER BY m.seq DESC LIMIT $3
      ) newest ORDER BY seq
    ) p ON true
    """.formatted(MESSAGE_COLUMNS, SEQ_OF_ID.formatted("$2", "min", ">=", "9223372036854775807"));

  /**
   * The oldest messages after an id, oldest first, as {@link #HISTORY_BEFORE}. $1 channel, $2 after
   * (exclusive, 0: from the start), $3 before (exclusive, null: none), $4 limit.
   */
  static final String HISTORY_AFTER = """
    WITH c AS (SELECT id, seq FROM channels WHERE name = $1)
    SELECT c.seq AS channel_seq, $1::text AS channel, p.* FROM c LEFT JOIN LATERAL (
      SELECT %s FROM messages m JOIN users u ON u.id = m.author_id
      WHERE m.channel_id = c.id AND m.deleted_at IS NULL AND m.seq > (%s) AND m.seq < (%s)
      ORDER BY m.seq LIMIT $4
    ) p ON true
    """.formatted(MESSAGE_COLUMNS, SEQ_OF_ID.formatted("NULLIF($2, 0)", "max", "<=", "0"),
      SEQ_OF_ID.formatted("$3", "min", ">=", "9223372036854775807"));

  /**
   * The messages around one, oldest first: the $3 up to and with it, then the $4 after it, with the
   * channel's last sequence number in the same snapshot and the message's own ({@code target_seq},
   * null when it is not in the channel or deleted: then no message rows). One row with null message
   * columns when there is none, no row when the channel does not exist. $1 channel, $2 message id.
   */
  static final String HISTORY_AROUND = """
    WITH c AS (SELECT id, seq FROM channels WHERE name = $1),
    t AS (SELECT m.seq FROM messages m JOIN c ON m.channel_id = c.id WHERE m.id = $2 AND m.deleted_at IS NULL)
    SELECT c.seq AS channel_seq, (SELECT seq FROM t) AS target_seq, $1::text AS channel, p.* FROM c LEFT JOIN LATERAL (
      SELECT * FROM (
        (SELECT %1$s FROM messages m JOIN users u ON u.id = m.author_id
          WHERE m.channel_id = c.id AND m.deleted_at IS NULL AND m.seq <= (SELECT seq FROM t)
          ORDER BY m.seq DESC LIMIT $3)
        UNION ALL
        (SELECT %1$s FROM messages m JOIN users u ON u.id = m.author_id
          WHERE m.channel_id = c.id AND m.deleted_at IS NULL AND m.seq > (SELECT seq FROM t)
          ORDER BY m.seq LIMIT $4)
      ) w ORDER BY seq
    ) p ON true
    """.formatted(MESSAGE_COLUMNS);

  /**
   * A channel's events after a sequence number, oldest first: the messages created after it (as
   * they are now; deleted ones left out) and the older messages edited or deleted after it (at
   * their latest change), each with its event's number. Two index walks merged, each bounded by
   * the limit. One row with null columns when there is none, no row when the channel does not
   * exist. $1 channel, $2 after this sequence number, $3 limit.
   */
  static final String EVENTS_AFTER = """
    WITH c AS (SELECT id, seq FROM channels WHERE name = $1)
    SELECT c.seq AS channel_seq, $1::text AS channel, e.* FROM c LEFT JOIN LATERAL (
      SELECT ev.event_seq, ev.deleted_at, %s FROM (
        (SELECT m.id, m.seq AS event_seq, m.deleted_at FROM messages m
          WHERE m.channel_id = c.id AND m.seq > $2 AND m.deleted_at IS NULL ORDER BY m.seq LIMIT $3)
        UNION ALL
        (SELECT m.id, m.changed_seq, m.deleted_at FROM messages m
          WHERE m.channel_id = c.id AND m.changed_seq > $2 AND m.seq <= $2 ORDER BY m.changed_seq LIMIT $3)
        ORDER BY event_seq LIMIT $3
      ) ev JOIN messages m ON m.id = ev.id JOIN users u ON u.id = m.author_id
      ORDER BY ev.event_seq
    ) e ON true
    """.formatted(MESSAGE_COLUMNS);

  /**
   * Where a message is and who wrote it, to route its edit or delete to the channel's owner.
   * $1 id. No row: no such message.
   */
  static final String MESSAGE_PLACE = """
    SELECT m.author_id, c.name AS channel, m.deleted_at IS NOT NULL AS deleted
    FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.id = $1
    """;

  /**
   * Bumps the channel's sequence number for a change of message $1 by author $2, if the writer's
   * claim ($3 channel, $4 epoch) still holds and the message is there, theirs and not deleted.
   * Used as the first part of {@link #EDIT_MESSAGE} and {@link #DELETE_MESSAGE}.
   */
  private static final String CHANGE_FENCE = """
    WITH ch AS (
      UPDATE channels c SET seq = c.seq + 1
      WHERE c.name = $3 AND c.owner_epoch = $4 AND EXISTS (SELECT 1 FROM messages m
        WHERE m.id = $1 AND m.channel_id = c.id AND m.author_id = $2 AND m.deleted_at IS NULL)
      RETURNING c.id, c.seq
    )
    """;

  /**
   * Edits a message as a channel event. $1 id, $2 author, $3 channel, $4 epoch, $5 text, $6 its
   * mentions (jsonb, null for none). No row: see {@link #CHANGE_REFUSED}.
   */
  static final String EDIT_MESSAGE = CHANGE_FENCE + """
    , m AS (
      UPDATE messages m SET text = $5, mentions = $6::jsonb, edited_at = now(), changed_seq = ch.seq FROM ch
      WHERE m.id = $1 AND m.channel_id = ch.id RETURNING m.*
    )
    SELECT m.changed_seq AS event_seq, $3::text AS channel, %s FROM m JOIN users u ON u.id = m.author_id
    """.formatted(MESSAGE_COLUMNS);

  /**
   * Deletes a message as a channel event: a tombstone, its text gone. $1 id, $2 author, $3 channel,
   * $4 epoch. No row: see {@link #CHANGE_REFUSED}.
   */
  static final String DELETE_MESSAGE = CHANGE_FENCE + """
    , m AS (
      UPDATE messages m SET text = '', mentions = NULL, deleted_at = now(), changed_seq = ch.seq FROM ch
      WHERE m.id = $1 AND m.channel_id = ch.id RETURNING m.id, m.changed_seq
    )
    SELECT id, changed_seq AS event_seq FROM m
    """;

  /**
   * Why a change stored nothing: the channel's epoch (stale claim?) and the message as it is now
   * (gone or someone else's). $1 id, $2 channel.
   */
  static final String CHANGE_REFUSED = """
    SELECT c.owner_epoch, m.author_id, m.deleted_at IS NOT NULL AS deleted
    FROM channels c LEFT JOIN messages m ON m.id = $1 AND m.channel_id = c.id WHERE c.name = $2
    """;

  /**
   * Where a message is, for a reaction: its channel and whether it was deleted. $1 id. No row: no
   * such message.
   */
  static final String MESSAGE_CHANNEL = """
    SELECT c.name AS channel, m.deleted_at IS NOT NULL AS deleted
    FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.id = $1
    """;

  /**
   * Toggles person $2's reaction $5 on message $1 as a channel event, if the writer's claim ($3
   * channel, $4 epoch) still holds and the message is there and not deleted: removed when they had
   * it, else added unless they have $6 reactions on it already or it has $7 different emoji and
   * this is a new one. Only an added or removed reaction takes the channel's next number, which
   * becomes the message's changed_seq and reacted_seq. Answers one row {@code outcome} (added,
   * removed, too_many_yours, too_many_emoji) and {@code event_seq}; no row: see
   * {@link #CHANGE_REFUSED}. Run in a transaction with {@link #MESSAGE_BY_ID}, which then reads the
   * message as this event left it.
   */
  static final String TOGGLE_REACTION = """
    WITH ch AS (
      SELECT c.id FROM channels c
      WHERE c.name = $3 AND c.owner_epoch = $4 AND EXISTS (SELECT 1 FROM messages m
        WHERE m.id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL)
      FOR UPDATE
    ), present AS (
      SELECT r.user_id, r.emoji FROM reactions r WHERE r.message_id = $1
    ), act AS (
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM present p WHERE p.user_id = $2 AND p.emoji = $5) THEN 'removed'
        WHEN (SELECT count(*) FROM present p WHERE p.user_id = $2) >= $6 THEN 'too_many_yours'
        WHEN NOT EXISTS (SELECT 1 FROM present p WHERE p.emoji = $5)
          AND (SELECT count(DISTINCT p.emoji) FROM present p) >= $7 THEN 'too_many_emoji'
        ELSE 'added' END AS outcome
      FROM ch
    ), removed AS (
      DELETE FROM reactions r USING act
      WHERE act.outcome = 'removed' AND r.message_id = $1 AND r.user_id = $2 AND r.emoji = $5
    ), added AS (
      INSERT INTO reactions (message_id, user_id, emoji) SELECT $1, $2, $5 FROM act WHERE act.outcome = 'added'
    ), bump AS (
      UPDATE channels c SET seq = c.seq + 1 FROM ch, act
      WHERE c.id = ch.id AND act.outcome IN ('added', 'removed') RETURNING c.seq
    ), m AS (
      UPDATE messages m SET changed_seq = bump.seq, reacted_seq = bump.seq FROM bump WHERE m.id = $1
      RETURNING m.changed_seq
    )
    SELECT act.outcome, (SELECT m.changed_seq FROM m) AS event_seq FROM act
    """;

  /** One message as the contract's {@code Message}, with its reactions. $1 id. */
  static final String MESSAGE_BY_ID = "SELECT c.name AS channel, " + MESSAGE_COLUMNS + """
    FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.author_id
    WHERE m.id = $1
    """;

  /**
   * The users whose name is one of the candidate names of a message's "@name" tokens, compared
   * with PostgreSQL's lower() on both sides (index users_lower_name_idx, of V4). $1 the candidates, as
   * they are written in the text; each row names the candidate it matched.
   */
  static final String USERS_NAMED = """
    SELECT c.candidate, u.id, u.name FROM unnest($1::text[]) AS c(candidate)
    JOIN users u ON lower(u.name) = lower(c.candidate)
    """;

  /**
   * For user $1, per channel ($2 names, $3 the sequence number read through, one per channel): the
   * messages after it that mention them, not deleted and not their own, counted up to $4. Walks
   * only the messages that mention someone (index messages_channel_mentions_idx). A channel that
   * does not exist gives no row.
   */
  static final String MENTION_COUNTS = """
    SELECT r.channel, (SELECT count(*) FROM (
        SELECT 1 FROM messages m
        WHERE m.channel_id = c.id AND m.seq > r.after_seq AND m.mentions IS NOT NULL
          AND m.deleted_at IS NULL AND m.author_id <> $1
          AND m.mentions @> jsonb_build_array(jsonb_build_object('id', $1::bigint))
        LIMIT $4) capped) AS mentions
    FROM unnest($2::text[], $3::bigint[]) AS r(channel, after_seq) JOIN channels c ON c.name = r.channel
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
   * Keeps the newest $1 messages of every channel. For each channel an index scan finds the sequence
   * number of the newest message to drop, and the delete walks the same index: no full scan per tick.
   */
  static final String TRIM_HISTORY = """
    WITH cut AS (
      SELECT c.id AS channel_id,
        (SELECT m.seq FROM messages m WHERE m.channel_id = c.id ORDER BY m.seq DESC OFFSET $1 LIMIT 1) AS newest_dropped
      FROM channels c
    )
    DELETE FROM messages m USING cut
    WHERE cut.newest_dropped IS NOT NULL AND m.channel_id = cut.channel_id AND m.seq <= cut.newest_dropped
    """;

  static final String PING = "SELECT 1";
}
