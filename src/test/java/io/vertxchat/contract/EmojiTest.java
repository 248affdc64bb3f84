package io.vertxchat.contract;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the contract takes as one reaction emoji (README, "Shapes"), case by case. */
class EmojiTest {
  @Test
  void takes_single_emoji_flags_keycaps_modifiers_and_joined_sequences() {
    List<String> one = List.of(
      "\uD83D\uDC4D",                                     // 👍
      "\u2764\uFE0F", "\u2764",                           // ❤️ and the text-style ❤
      "\u00A9", "\u2B50", "\u231A",                       // ©, ⭐, ⌚
      "\uD83D\uDC4D\uD83C\uDFFF",                         // 👍🏿
      "\uD83C\uDDEF\uD83C\uDDF5",                         // 🇯🇵
      "#\u20E3", "7\uFE0F\u20E3",                         // #⃣, 7️⃣
      "\uD83D\uDC41\uFE0F\u200D\uD83D\uDDE8\uFE0F",       // 👁️‍🗨️
      "\uD83C\uDFF3\uFE0F\u200D\uD83C\uDF08",             // 🏳️‍🌈
      "\uD83E\uDDD1\uD83C\uDFFD\u200D\uD83D\uDE80",       // 🧑🏽‍🚀
      "\uD83E\uDEE0");                                    // 🫠
    for (String emoji : one) {
      assertTrue(Emoji.isOne(emoji), () -> "one emoji: " + codes(emoji));
    }
  }

  @Test
  void refuses_text_several_emoji_lone_parts_and_anything_too_long() {
    List<String> notOne = List.of(
      "", " ", "A", "ok", "1", "#", "\u00E9", ":)", "\u263A ", " \u263A",
      "\uD83D\uDC4D\uD83D\uDC4D",                         // 👍👍
      "\uD83C\uDDEF\uD83C\uDDF5\uD83C\uDDEB",             // a flag and half of one
      "\uD83C\uDDEF",                                     // half a flag
      "\uD83C\uDFFD", "\u200D", "\uFE0F", "\u20E3",       // lone skin tone, joiner, selector, keycap mark
      "\u200D\uD83D\uDC4D", "\uD83D\uDC4D\u200D",         // a joiner at either end
      "\uD83D\uDC4D\uFE0F\uFE0F\uFE0F",                   // three modifiers
      "\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62",             // a tag flag without its end
      "\uD83D", "\uDC4D",                                 // unpaired surrogates
      "\u0000", "\n",
      "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67\u200D\uD83D\uDC66\u200D\uD83D\uDC68\u200D\uD83D\uDC69"); // 17 units
    for (String text : notOne) {
      assertFalse(Emoji.isOne(text), () -> "not one emoji: " + codes(text));
    }
    assertFalse(Emoji.isOne(null));
  }

  private static String codes(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().forEach(cp -> out.append(String.format("U+%04X ", cp)));
    return out.toString().trim();
  }
}
