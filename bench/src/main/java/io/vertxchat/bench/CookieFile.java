package io.vertxchat.bench;

import io.vertx.core.json.JsonObject;
import io.vertxchat.testkit.ChatClient;
import io.vertxchat.testkit.DevSignIn;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.client.WebClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Signs in N dev users (the same browser flow as the generator, the test kit's {@link DevSignIn}), creates the
 * channels, and writes one {@code Cookie} header value per line: the cookie file of the peer
 * generator's {@code --proto chat} (bench/side-by-side.sh).
 *
 * <pre>java -cp bench/target/chat-bench.jar io.vertxchat.bench.CookieFile --url=http://127.0.0.1:18380
 *   --users=2 --channels=room1 --out=/tmp/cookies.txt [--user-prefix=sbs]</pre>
 */
public final class CookieFile {
  private CookieFile() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("url", "http://127.0.0.1:8080", "users", "1",
      "channels", "room1", "user-prefix", "sbs", "out", ""));
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0 || !o.containsKey(a.substring(2, eq))) {
        System.err.println("usage: CookieFile --url=URL --users=N --channels=a,b --out=FILE [--user-prefix=P]");
        System.exit(2);
      }
      o.put(a.substring(2, eq), a.substring(eq + 1));
    }
    if (o.get("out").isEmpty()) {
      System.err.println("CookieFile: --out=FILE is required");
      System.exit(2);
    }
    int users = Integer.parseInt(o.get("users"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebClient web = ChatClient.webClient(vertx);
    int code = 0;
    try {
      List<String> lines = new ArrayList<>();
      ChatClient first = null;
      for (int u = 0; u < users; u++) {
        ChatClient user = new ChatClient(vertx, web, o.get("url"));
        DevSignIn.signIn(user, o.get("user-prefix") + "-" + u).await(60, TimeUnit.SECONDS);
        String cookie = user.cookieHeader();
        if (cookie.isEmpty()) {
          throw new IllegalStateException("user " + u + " signed in without a session cookie");
        }
        lines.add(cookie);
        first = first == null ? user : first;
      }
      for (String channel : o.get("channels").split(",")) {
        if (!channel.isBlank() && first != null) {
          // The kit's blocking POST carries the CSRF header; an existing channel (409) is fine.
          // The main thread is no Vert.x thread, so the kit's blocking call may wait here.
          int status = first.post("/api/channels", new JsonObject().put("name", channel.trim())).statusCode();
          if (status != 201 && status != 409) {
            throw new IllegalStateException("creating channel " + channel + " answered " + status);
          }
        }
      }
      Files.write(Path.of(o.get("out")), lines, StandardCharsets.UTF_8);
      System.err.println("[cookies] " + users + " signed-in user(s) in " + o.get("out")
        + ", channel(s) " + o.get("channels"));
    } catch (Exception e) {
      System.err.println("[cookies] failed: " + e);
      code = 1;
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // exiting anyway
    }
    System.exit(code);
  }
}
