package io.vertxchat.persistence;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A search result's snippet as parts {@code [{"text","match"}]}: the message's text cut from
 * {@code ts_headline}'s output at its start and stop markers, then shortened to a window around the
 * first match. The parts are plain text; joined they are a piece of the stored text, unchanged.
 */
final class Snippets {
  /** Text kept before the first match, at most. */
  static final int BEFORE = 60;
  /** A snippet's length, at most (a match is never cut, so one long word may pass it). */
  static final int MAX = 240;
  static final String ELLIPSIS = "…";

  private record Part(String text, boolean match) {
  }

  private Snippets() {
  }

  static JsonArray of(String marked, String start, String stop) {
    return json(window(split(marked, start, stop)));
  }

  /** The parts between the markers; a marker without its pair is left as text. */
  static List<Part> split(String marked, String start, String stop) {
    List<Part> parts = new ArrayList<>();
    int at = 0;
    while (at < marked.length()) {
      int open = marked.indexOf(start, at);
      int close = open < 0 ? -1 : marked.indexOf(stop, open + start.length());
      if (open < 0 || close < 0) {
        add(parts, marked.substring(at), false);
        break;
      }
      add(parts, marked.substring(at, open), false);
      add(parts, marked.substring(open + start.length(), close), true);
      at = close + stop.length();
    }
    return parts;
  }

  /** About {@link #BEFORE} characters before the first match, then up to {@link #MAX} in all. */
  static List<Part> window(List<Part> parts) {
    List<Part> out = new ArrayList<>();
    int first = 0;
    while (first < parts.size() && !parts.get(first).match()) {
      first++;
    }
    if (first == parts.size()) {
      first = 0;
    }
    int length = 0;
    for (int i = first > 0 ? first - 1 : 0; i < parts.size(); i++) {
      Part part = parts.get(i);
      String text = part.text();
      if (i == first - 1 && text.length() > BEFORE) {
        text = ELLIPSIS + tail(text, BEFORE);
      }
      if (!part.match() && length + text.length() > MAX) {
        add(out, head(text, Math.max(0, MAX - length)) + ELLIPSIS, false);
        return out;
      }
      add(out, text, part.match());
      length += text.length();
      if (length >= MAX && i + 1 < parts.size()) {
        add(out, ELLIPSIS, false);
        return out;
      }
    }
    return out;
  }

  /** The last ~n characters, from a word start when there is one, never inside a surrogate pair. */
  private static String tail(String text, int n) {
    int from = text.length() - n;
    int space = text.indexOf(' ', from);
    if (space >= 0 && space < text.length() - 1) {
      from = space + 1;
    } else if (Character.isLowSurrogate(text.charAt(from))) {
      from++;
    }
    return text.substring(from);
  }

  /** The first ~n characters, to a word end when there is one, never inside a surrogate pair. */
  private static String head(String text, int n) {
    if (n >= text.length()) {
      return text;
    }
    int to = text.lastIndexOf(' ', n);
    if (to <= 0) {
      to = n > 0 && Character.isHighSurrogate(text.charAt(n - 1)) ? n - 1 : n;
    }
    return text.substring(0, to);
  }

  private static void add(List<Part> parts, String text, boolean match) {
    if (text.isEmpty()) {
      return;
    }
    int last = parts.size() - 1;
    if (last >= 0 && parts.get(last).match() == match && !match) {
      parts.set(last, new Part(parts.get(last).text() + text, false));
    } else {
      parts.add(new Part(text, match));
    }
  }

  private static JsonArray json(List<Part> parts) {
    JsonArray array = new JsonArray();
    parts.forEach(p -> array.add(new JsonObject().put("text", p.text()).put("match", p.match())));
    return array;
  }
}
