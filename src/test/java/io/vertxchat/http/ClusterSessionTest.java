package io.vertxchat.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Any node serves any user: a session made on one node works on the other, sockets included. */
@Timeout(90)
class ClusterSessionTest {
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  /** The same browser (same cookies) talking to node B instead of A, as a load balancer would route it. */
  private static HttpResponse<Buffer> getOnB(ChatClient client, String path) {
    ChatClient onB = new ChatClient(client.vertx(), nodes.b().publicUrl());
    return onB.getWithCookie(path, client.cookieHeader());
  }

  /**
   * The session handler stores a session after answering, so the store write of the request
   * before a sign-out could land after the sign-out's delete and sign the cookie in again
   * (2 of 60 sign-outs before the fix). A sign-out must stick on every node.
   */
  @Test
  void a_signed_out_cookie_stays_signed_out_on_both_nodes() {
    List<String> signedInAgain = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ChatClient person = nodes.signInOnA("leaver-" + i);
      String cookie = person.cookieHeader();
      person.get("/api/me");
      assertEquals(204, person.post("/auth/logout", null).statusCode());
      int onA = person.getWithCookie("/api/me", cookie).statusCode();
      int onB = new ChatClient(person.vertx(), nodes.b().publicUrl()).getWithCookie("/api/me", cookie).statusCode();
      if (onA != 401 || onB != 401) {
        signedInAgain.add("sign-out " + i + ": old cookie answered " + onA + " on A, " + onB + " on B");
      }
    }
    assertEquals(List.of(), signedInAgain);
  }

  @Test
  void concurrent_sign_ins_all_end_in_sessions_usable_on_the_other_node() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<ChatClient>> signIns = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String name = "Parallel" + i;
        signIns.add(CompletableFuture.supplyAsync(() -> nodes.signInOnA(name), pool));
      }
      for (int i = 0; i < signIns.size(); i++) {
        ChatClient client = signIns.get(i).get(60, TimeUnit.SECONDS);
        HttpResponse<Buffer> me = getOnB(client, "/api/me");
        assertEquals(200, me.statusCode(), "sign-in " + i + " on A is a session on B");
        assertEquals("Parallel" + i, me.bodyAsJsonObject().getString("name"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_socket_on_the_other_node_is_signed_in_with_the_same_cookie() {
    ChatClient dana = nodes.signInOnA("Dana");
    String channel = TestNodes.newChannel(dana);
    BridgeClient onB = BridgeClient.open(nodes.clientVertx(), nodes.b().publicUrl(), dana.cookieHeader(),
      nodes.b().publicUrl());
    try {
      JsonObject reply = onB.request("chat.send", new JsonObject().put("channel", channel).put("text", "via B"));
      assertNull(reply.getValue("failureCode"), reply::encode);
      assertEquals("Dana", reply.getJsonObject("body").getJsonObject("author").getString("name"));
    } finally {
      onB.close();
    }
  }
}
