package io.vertxchat.http.auth;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who is an admin (the monitor page and {@code monitor.stats}): session users listed in
 * {@code CHAT_ADMINS} as {@code provider:subject} or by e-mail address (case-insensitive).
 */
public final class Admins {
  private final Set<String> entries;

  private Admins(Set<String> entries) {
    this.entries = entries;
  }

  /** From the comma list of the setting. */
  public static Admins parse(String list) {
    return new Admins(Arrays.stream(list.split(","))
      .map(String::trim)
      .filter(s -> !s.isEmpty())
      .map(s -> s.contains("@") ? s.toLowerCase() : s)
      .collect(Collectors.toUnmodifiableSet()));
  }

  /** Whether a session user (with {@code provider}, {@code subject}, {@code email}) is an admin. */
  public boolean includes(JsonObject user) {
    if (user == null) {
      return false;
    }
    String email = user.getString("email");
    return entries.contains(user.getString("provider") + ":" + user.getString("subject"))
      || (email != null && entries.contains(email.toLowerCase()));
  }
}
