package io.vertxchat.http.auth;

import io.vertx.ext.web.RoutingContext;

/**
 * Generated SVG avatars for dev identities (the machines are offline, so no Gravatar): a colour
 * from the subject and the initials given in {@code ?i=} (letters and digits only, escaped), so
 * nothing else the request says is reflected into the SVG.
 */
public final class Avatars {
  private static final String[] COLOURS = {
    "#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626"
  };

  private Avatars() {
  }

  /** Up to two letters or digits of a name, e.g. "Ada Lovelace" gives "AL". */
  public static String initials(String name) {
    if (name == null) {
      return "?";
    }
    StringBuilder out = new StringBuilder();
    for (String word : name.strip().split("\\s+")) {
      if (!word.isEmpty() && Character.isLetterOrDigit(word.codePointAt(0)) && out.codePointCount(0, out.length()) < 2) {
        out.appendCodePoint(Character.toUpperCase(word.codePointAt(0)));
      }
    }
    return out.length() == 0 ? "?" : Html.escape(out.toString());
  }

  public static void serve(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    if (!file.matches("[0-9a-f]{8,64}\\.svg")) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    String subject = file.substring(0, file.length() - 4);
    int hash = Integer.parseUnsignedInt(subject.substring(0, 7), 16);
    String colour = COLOURS[hash % COLOURS.length];
    String letters = initials(ctx.request().getParam("i"));
    String svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
      <rect width="64" height="64" rx="32" fill="%s"/>
      <text x="32" y="41" font-family="sans-serif" font-size="24" fill="#fff" text-anchor="middle">%s</text></svg>
      """.formatted(colour, letters);
    ctx.response()
      .putHeader("Content-Type", "image/svg+xml")
      .putHeader("Cache-Control", "public, max-age=86400")
      .end(svg);
  }
}
