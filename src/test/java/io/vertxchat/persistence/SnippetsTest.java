package io.vertxchat.persistence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snippet parts from ts_headline's output: split at the markers, then cut to a window. */
class SnippetsTest {
  private static final String S = "[s]";
  private static final String E = "[e]";

  private static String joined(JsonArray parts) {
    StringBuilder text = new StringBuilder();
    parts.forEach(p -> text.append(((JsonObject) p).getString("text")));
    return text.toString();
  }

  private static List<String> matches(JsonArray parts) {
    List<String> words = new ArrayList<>();
    parts.forEach(p -> {
      if (((JsonObject) p).getBoolean("match")) {
        words.add(((JsonObject) p).getString("text"));
      }
    });
    return words;
  }

  @Test
  void markers_become_match_parts_and_the_rest_stays_text_as_it_was() {
    JsonArray parts = Snippets.of("a [s]b[e] <i>c</i> [s]d[e]", S, E);
    assertEquals(new JsonArray()
      .add(new JsonObject().put("text", "a ").put("match", false))
      .add(new JsonObject().put("text", "b").put("match", true))
      .add(new JsonObject().put("text", " <i>c</i> ").put("match", false))
      .add(new JsonObject().put("text", "d").put("match", true)), parts);
  }

  @Test
  void a_start_marker_without_its_stop_is_text_and_no_match_keeps_the_start() {
    assertEquals(List.of(), matches(Snippets.of("only [s]half", S, E)));
    assertEquals("only [s]half", joined(Snippets.of("only [s]half", S, E)));
    String plain = "word ".repeat(100);
    String cut = joined(Snippets.of(plain, S, E));
    assertTrue(cut.startsWith("word word") && cut.endsWith("…") && cut.length() <= Snippets.MAX + 1, cut);
  }

  @Test
  void a_long_text_is_cut_around_the_first_match_at_spaces_and_never_inside_a_surrogate_pair() {
    String emoji = "\uD83D\uDE00";
    String before = (emoji + " ").repeat(60);
    String after = (" x" + emoji).repeat(200);
    JsonArray parts = Snippets.of(before + S + "hit" + E + after, S, E);
    String shown = joined(parts);
    assertEquals(List.of("hit"), matches(parts));
    assertTrue(shown.startsWith("…" + emoji), shown);
    assertTrue(shown.endsWith("…"), shown);
    assertTrue(shown.length() <= Snippets.MAX + 2, () -> String.valueOf(shown.length()));
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertTrue(i + 1 < shown.length() && Character.isLowSurrogate(shown.charAt(i + 1)), "pair at " + i);
      } else if (Character.isLowSurrogate(c)) {
        assertTrue(i > 0 && Character.isHighSurrogate(shown.charAt(i - 1)), "pair at " + i);
      }
    }
  }
}
