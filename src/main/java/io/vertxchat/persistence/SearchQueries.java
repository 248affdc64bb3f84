package io.vertxchat.persistence;

/**
 * The full-text search statement; parameters are always {@code $n}, never concatenated. The
 * expression {@code to_tsvector('simple', m.text)} must stay exactly the one of the index
 * {@code messages_text_search_idx} (migration V5), or the planner cannot use it.
 */
public final class SearchQueries {
  private SearchQueries() {
  }

  /** The index the search statement walks (asserted by the tests on its plan). */
  public static final String INDEX = "messages_text_search_idx";

  /**
   * Messages of the readable channels that match a web-search query, best rank first, newest first
   * among equal ranks, one page (and one row more, to tell whether there are more). The inner query
   * finds and ranks; only the page's rows get the highlighted text, which is the whole message
   * (HighlightAll keeps the text exactly as stored, markup included; the fragment mode would drop
   * what the parser takes for tags), with the caller's markers around each match. The query is
   * written out in the WHERE clause (not taken from a CTE): only a condition on a parameter's value
   * can be an index condition.
   * $1 channel names the user may read, $2 the query as typed, $3 offset, $4 rows (limit + 1),
   * $5 ts_headline's options (markers).
   */
  public static final String SEARCH = """
    WITH hits AS (
      SELECT m.id, m.seq, m.text, m.created_at, m.edited_at, m.mentions, m.author_id, c.name AS channel,
        ts_rank_cd(to_tsvector('simple', m.text), websearch_to_tsquery('simple', $2)) AS rank
      FROM messages m JOIN channels c ON c.id = m.channel_id
      WHERE to_tsvector('simple', m.text) @@ websearch_to_tsquery('simple', $2)
        AND m.deleted_at IS NULL AND c.name = ANY($1::text[])
      ORDER BY rank DESC, m.id DESC
      OFFSET $3 LIMIT $4
    )
    SELECT h.id, h.seq, h.text, h.created_at, h.edited_at, h.mentions, h.channel, h.rank,
      ts_headline('simple', h.text, websearch_to_tsquery('simple', $2), $5) AS marked,
      u.id AS u_id, u.name AS u_name, u.avatar_url AS u_avatar_url, u.profile_url AS u_profile_url,
      u.provider AS u_provider
    FROM hits h JOIN users u ON u.id = h.author_id
    ORDER BY h.rank DESC, h.id DESC
    """;
}
