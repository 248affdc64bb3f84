package io.vertxchat.http;

import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write that the server refuses still rotates the CSRF token (new cookie sent), so the session
 * must keep the rotated token too, or every later write of that browser fails 403. And the token
 * a first GET issues must be in the stored session before that GET's answer arrives.
 */
@Timeout(60)
class CsrfAfterFailedWriteTest {
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  @Test
  void a_refused_channel_name_does_not_break_the_next_write() {
    ChatClient carol = nodes.signInOnA("Carol");
    assertEquals(400, carol.post("/api/channels", new JsonObject().put("name", "Not A Name!")).statusCode());
    String name = "csrf-" + UUID.randomUUID().toString().substring(0, 8);
    assertEquals(201, carol.post("/api/channels", new JsonObject().put("name", name)).statusCode());
    assertEquals(409, carol.post("/api/channels", new JsonObject().put("name", name)).statusCode());
    assertEquals(201, carol.post("/api/channels", new JsonObject().put("name", name + "-2")).statusCode());
  }

  @Test
  void a_write_right_after_the_get_that_issued_the_token_is_accepted() {
    for (int i = 0; i < 10; i++) {
      ChatClient client = i % 2 == 0 ? nodes.signInOnA("Quick" + i) : nodes.signInOnB("Quick" + i);
      String name = "quick-" + UUID.randomUUID().toString().substring(0, 8);
      // csrfToken() does the GET, and the POST follows at once.
      assertEquals(201, client.post("/api/channels", new JsonObject().put("name", name)).statusCode(), "sign-in " + i);
    }
  }
}
