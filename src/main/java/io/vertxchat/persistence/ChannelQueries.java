package io.vertxchat.persistence;

/**
 * The SQL of channels, their members and read positions (every statement parameterised). Each
 * channel row has the columns {@link Rows#channel} reads: {@code name, created_at, created_by,
 * kind, members_version, members} ({@code members}: the member ids, null for a public channel)
 * and {@code member_users} (a direct conversation's people as {@code User} JSON).
 */
final class ChannelQueries {
  private ChannelQueries() {
  }

  private static final String COLUMNS = """
    c.name, c.created_at, c.created_by, c.kind, c.members_version,
    CASE WHEN c.kind <> 'public' THEN
      ARRAY(SELECT cm.user_id FROM channel_members cm WHERE cm.channel_id = c.id ORDER BY cm.user_id) END AS members,
    CASE WHEN c.kind = 'direct' THEN
      (SELECT json_agg(json_build_object('id', u.id, 'name', u.name, 'avatarUrl', u.avatar_url,
         'profileUrl', u.profile_url, 'provider', u.provider) ORDER BY u.id)
       FROM channel_members cm JOIN users u ON u.id = cm.user_id WHERE cm.channel_id = c.id) END AS member_users
    """;

  static final String CHANNELS = "SELECT " + COLUMNS + " FROM channels c ORDER BY c.name";

  static final String CHANNEL_BY_NAME = "SELECT " + COLUMNS + " FROM channels c WHERE c.name = $1";

  /**
   * A public or private channel; the creator of a private one is its first member. $1 name,
   * $2 creator, $3 kind. A duplicate name fails with SQLState 23505.
   */
  static final String INSERT_CHANNEL = """
    WITH c AS (
      INSERT INTO channels (name, created_by, kind) VALUES ($1, $2, $3)
      RETURNING id, name, created_at, created_by, kind, members_version
    ), m AS (
      INSERT INTO channel_members (channel_id, user_id, added_by) SELECT c.id, $2, $2 FROM c WHERE c.kind <> 'public'
    )
    SELECT c.name, c.created_at, c.created_by, c.kind, c.members_version,
      CASE WHEN c.kind <> 'public' THEN ARRAY[$2::bigint] END AS members, NULL::json AS member_users
    FROM c
    """;

  /**
   * A direct conversation of the people $3 (ids, the opener $2 among them), named $1; nothing
   * when it exists already (the name is derived from its members). Every member starts reading at 0.
   */
  static final String INSERT_DIRECT = """
    WITH c AS (
      INSERT INTO channels (name, created_by, kind) VALUES ($1, $2, 'direct') ON CONFLICT (name) DO NOTHING RETURNING id
    )
    INSERT INTO channel_members (channel_id, user_id, added_by) SELECT c.id, u, $2 FROM c, unnest($3::bigint[]) AS u
    """;

  /** Users by id. $1 ids. */
  static final String USERS_BY_ID = """
    SELECT id AS u_id, name AS u_name, avatar_url AS u_avatar_url, profile_url AS u_profile_url, provider AS u_provider
    FROM users WHERE id = ANY($1::bigint[]) ORDER BY id
    """;

  /** Users whose name is $1, ignoring case (names are not unique). */
  static final String USERS_NAMED = """
    SELECT id AS u_id, name AS u_name, avatar_url AS u_avatar_url, profile_url AS u_profile_url, provider AS u_provider
    FROM users WHERE lower(name) = lower($1) ORDER BY id LIMIT 10
    """;

  /** Up to 20 users whose name starts with $1 (LIKE wildcards escaped by the caller), by name. */
  static final String USERS_STARTING = """
    SELECT id AS u_id, name AS u_name, avatar_url AS u_avatar_url, profile_url AS u_profile_url, provider AS u_provider
    FROM users WHERE lower(name) LIKE lower($1) || '%' ORDER BY lower(name), id LIMIT 20
    """;

  /** Locks a private channel's row for a change of its members. $1 name. */
  static final String LOCK_PRIVATE = "SELECT id, seq FROM channels WHERE name = $1 AND kind = 'private' FOR UPDATE";

  /** $1 channel id, $2 user, $3 added by; no row when a member already. */
  static final String ADD_MEMBER = """
    INSERT INTO channel_members (channel_id, user_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id
    """;

  /** $1 channel id, $2 user; no row when not a member. */
  static final String REMOVE_MEMBER = "DELETE FROM channel_members WHERE channel_id = $1 AND user_id = $2 RETURNING user_id";

  /** After a change of members: the new version and member ids. $1 channel id. */
  static final String BUMP_MEMBERS = """
    UPDATE channels c SET members_version = members_version + 1 WHERE c.id = $1
    RETURNING c.members_version,
      ARRAY(SELECT cm.user_id FROM channel_members cm WHERE cm.channel_id = c.id ORDER BY cm.user_id) AS members
    """;

  /** A new member reads from where the channel is now. $1 user, $2 channel id, $3 seq. */
  static final String START_READING = """
    INSERT INTO read_positions (user_id, channel_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
    """;

  /** The members of channel $1 as users, by name. */
  static final String MEMBERS = """
    SELECT u.id AS u_id, u.name AS u_name, u.avatar_url AS u_avatar_url, u.profile_url AS u_profile_url,
      u.provider AS u_provider
    FROM channels c JOIN channel_members cm ON cm.channel_id = c.id JOIN users u ON u.id = cm.user_id
    WHERE c.name = $1 ORDER BY lower(u.name), u.id
    """;

  /**
   * Moves user $1's read position in channel $2 forward to $3 (never back, never past the channel's
   * last number); the position after. No row when the channel does not exist.
   */
  static final String MARK_READ = """
    INSERT INTO read_positions AS r (user_id, channel_id, seq)
    SELECT $1, c.id, LEAST($3, c.seq) FROM channels c WHERE c.name = $2
    ON CONFLICT (user_id, channel_id) DO UPDATE SET seq = GREATEST(r.seq, EXCLUDED.seq), updated_at = now()
    RETURNING seq
    """;

  /** How far the unread counts look back: a channel never read counts at most its newest this many. */
  static final int UNREAD_WINDOW = 1000;
  /** Counts stop here (the app shows "99+"). */
  static final int UNREAD_CAP = 100;

  /**
   * For user $1 and channels $2 (names): the channel's last number, the user's read position (null
   * when never opened) and the messages of others after it, counted up to the cap within the
   * newest {@link #UNREAD_WINDOW} events. A public channel never opened counts nothing; a private
   * or direct one counts from its start (a member was added to it, or somebody wrote to them).
   * Each count walks the (channel_id, seq) index over the unread range only.
   */
  static final String UNREAD = """
    SELECT c.name, c.seq, r.seq AS read_seq,
      CASE WHEN r.seq IS NULL AND c.kind = 'public' THEN 0 ELSE (
        SELECT count(*) FROM (
          SELECT 1 FROM messages m
          WHERE m.channel_id = c.id AND m.seq > GREATEST(coalesce(r.seq, 0), c.seq - %d)
            AND m.author_id <> $1 AND m.deleted_at IS NULL
          LIMIT %d) AS u) END AS unread
    FROM channels c LEFT JOIN read_positions r ON r.channel_id = c.id AND r.user_id = $1
    WHERE c.name = ANY($2::text[])
    """.formatted(UNREAD_WINDOW, UNREAD_CAP);
}
