package io.vertxchat.contract;

/**
 * What the contract takes as one emoji for a reaction, and the limits of reactions: part of the
 * public contract (README, "Shapes").
 *
 * <p>One emoji is a string of at most {@link #MAX_LENGTH} UTF-16 units that is exactly one of:
 * <ul>
 *   <li>a flag: two regional indicators (U+1F1E6..U+1F1FF), e.g. 🇫🇷;</li>
 *   <li>a keycap: one of {@code 0-9 # *}, an optional U+FE0F, then U+20E3, e.g. 1️⃣;</li>
 *   <li>one or more elements joined by ZERO WIDTH JOINER (U+200D), e.g. 👍, ❤️, 👍🏽, 👩‍💻,
 *       👨‍👩‍👧‍👦; an element is a base code point from the emoji blocks below, then at most two of
 *       U+FE0F (emoji presentation) or a skin tone (U+1F3FB..U+1F3FF), and for U+1F3F4 (black
 *       flag) a tag sequence (U+E0020..U+E007E, ended by U+E007F), e.g. 🏴󠁧󠁢󠁳󠁣󠁴󠁿.</li>
 * </ul>
 * Base code points are the emoji blocks (U+1F300..U+1F64F, U+1F680..U+1F6FF, U+1F7E0..U+1F7F0,
 * U+1F90C..U+1F9FF, U+1FA70..U+1FAFF), Miscellaneous Symbols and Dingbats (U+2600..U+27BF), and
 * the emoji among older symbols (©, ®, ‼, ⁉, ™, ℹ, arrows, ⌚, ⏰, ▶, ⬛, ⭐, ⭕, 〰, 〽, ㊗, ㊙, 🀄,
 * 🃏, 🅰..🆚, 🈁..🉑). Java 17 has no emoji property, so these ranges stand in for Unicode's: they
 * are a little wider (a few symbols of those blocks that are not emoji pass) and never take
 * letters, digits, punctuation, spaces or controls. Two emoji side by side, text, a lone skin
 * tone, a lone joiner or variation selector are refused. No normalisation: 👍 and 👍️ (with
 * U+FE0F) count as two emoji, as they are two strings.
 */
public final class Emoji {
  private Emoji() {
  }

  /** At most this many UTF-16 units (the longest family and tag-flag sequences fit). */
  public static final int MAX_LENGTH = 16;
  /** Different emoji on one message. */
  public static final int MAX_PER_MESSAGE = 20;
  /** Reactions of one person on one message. */
  public static final int MAX_PER_PERSON = 10;

  private static final int ZWJ = 0x200D;
  private static final int VS16 = 0xFE0F;
  private static final int KEYCAP = 0x20E3;
  private static final int BLACK_FLAG = 0x1F3F4;
  private static final int TAG_END = 0xE007F;

  /** Whether {@code s} is one emoji, as defined above. */
  public static boolean isOne(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) {
      return false;
    }
    int[] cps = s.codePoints().toArray();
    int n = cps.length;
    if (n == 2 && isRegional(cps[0]) && isRegional(cps[1])) {
      return true;
    }
    if (isKeycapBase(cps[0])) {
      return (n == 2 && cps[1] == KEYCAP) || (n == 3 && cps[1] == VS16 && cps[2] == KEYCAP);
    }
    int i = 0;
    while (true) {
      if (i >= n || !isBase(cps[i])) {
        return false;
      }
      int base = cps[i++];
      for (int m = 0; m < 2 && i < n && (cps[i] == VS16 || isSkinTone(cps[i])); m++) {
        i++;
      }
      if (base == BLACK_FLAG && i < n && isTag(cps[i])) {
        while (i < n && isTag(cps[i])) {
          i++;
        }
        if (i >= n || cps[i] != TAG_END) {
          return false;
        }
        i++;
      }
      if (i == n) {
        return true;
      }
      if (cps[i] != ZWJ) {
        return false;
      }
      i++;
    }
  }

  private static boolean isRegional(int cp) {
    return cp >= 0x1F1E6 && cp <= 0x1F1FF;
  }

  private static boolean isKeycapBase(int cp) {
    return (cp >= '0' && cp <= '9') || cp == '#' || cp == '*';
  }

  private static boolean isSkinTone(int cp) {
    return cp >= 0x1F3FB && cp <= 0x1F3FF;
  }

  private static boolean isTag(int cp) {
    return cp >= 0xE0020 && cp <= 0xE007E;
  }

  private static boolean isBase(int cp) {
    if (isSkinTone(cp) || isRegional(cp)) {
      return false;
    }
    return in(cp, 0x1F300, 0x1F64F) || in(cp, 0x1F680, 0x1F6FF) || in(cp, 0x1F7E0, 0x1F7F0)
      || in(cp, 0x1F90C, 0x1F9FF) || in(cp, 0x1FA70, 0x1FAFF) || in(cp, 0x2600, 0x27BF)
      || in(cp, 0x1F170, 0x1F19A) || in(cp, 0x1F201, 0x1F251)
      || cp == 0x00A9 || cp == 0x00AE || cp == 0x203C || cp == 0x2049 || cp == 0x2122 || cp == 0x2139
      || in(cp, 0x2194, 0x2199) || in(cp, 0x21A9, 0x21AA) || in(cp, 0x231A, 0x231B) || cp == 0x2328
      || cp == 0x23CF || in(cp, 0x23E9, 0x23F3) || in(cp, 0x23F8, 0x23FA) || cp == 0x24C2
      || in(cp, 0x25AA, 0x25AB) || cp == 0x25B6 || cp == 0x25C0 || in(cp, 0x25FB, 0x25FE)
      || in(cp, 0x2934, 0x2935) || in(cp, 0x2B05, 0x2B07) || in(cp, 0x2B1B, 0x2B1C) || cp == 0x2B50
      || cp == 0x2B55 || cp == 0x3030 || cp == 0x303D || cp == 0x3297 || cp == 0x3299
      || cp == 0x1F004 || cp == 0x1F0CF;
  }

  private static boolean in(int cp, int from, int to) {
    return cp >= from && cp <= to;
  }
}
