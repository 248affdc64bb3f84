package io.vertxchat.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The "@name" rule without a database: which tokens a text holds and which users they mention. */
class MentionRuleTest {
  private static JsonObject user(long id, String name) {
    return new JsonObject().put("id", id).put("name", name);
  }

  @Test
  void a_token_offers_every_name_that_ends_at_a_word_end_on_its_line() {
    List<Mentions.Token> tokens = Mentions.tokens("hello @Bob, hi\n@Ann");
    assertEquals(2, tokens.size());
    assertEquals(6, tokens.get(0).at());
    assertEquals(List.of("Bob", "Bob,", "Bob, hi"), tokens.get(0).candidates());
    assertEquals(List.of("Ann"), tokens.get(1).candidates());
  }

  @Test
  void an_at_sign_inside_a_word_a_link_or_before_a_space_is_no_token() {
    assertEquals(List.of(), Mentions.tokens("plain text"));
    assertEquals(List.of(), Mentions.tokens("ann@example.org"));
    assertEquals(List.of(), Mentions.tokens("https://example.org/@bob"));
    assertEquals(List.of(), Mentions.tokens("meet @ noon, or @"));
    assertEquals(1, Mentions.tokens("(\"@bob\")").size());
    assertEquals(1, Mentions.tokens("«@bob»").size());
  }

  @Test
  void the_longest_name_of_a_member_wins_and_each_user_is_mentioned_once() {
    List<Mentions.Token> tokens = Mentions.tokens("@Ann Lee: ask @ann and @ANN, or @nobody");
    Map<String, List<JsonObject>> members = Map.of(
      "Ann", List.of(user(1, "Ann")),
      "ann", List.of(user(1, "Ann")),
      "ANN", List.of(user(1, "Ann")),
      "Ann Lee", List.of(user(2, "Ann Lee")));
    assertEquals(new JsonArray().add(user(2, "Ann Lee")).add(user(1, "Ann")), Mentions.resolve(tokens, members));
    assertNull(Mentions.resolve(Mentions.tokens("@nobody"), Map.of()), "none is stored as null");
    assertEquals(new JsonArray().add(user(1, "Ann")),
      Mentions.resolve(tokens, Map.of("Ann", List.of(user(1, "Ann")), "Ann Lee", List.of())),
      "a longer name of nobody who may be mentioned gives way to a shorter one");
  }

  @Test
  void a_text_full_of_at_signs_is_looked_up_with_a_bounded_number_of_names() {
    String text = "@a ".repeat(500);
    List<Mentions.Token> tokens = Mentions.tokens(text);
    assertEquals(Mentions.MAX_TOKENS, tokens.size());
    String longName = "@" + "x".repeat(200);
    assertEquals(List.of(), Mentions.tokens(longName), "no name is longer than " + Mentions.MAX_NAME);
  }
}
