package io.vertxchat.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class PresenceTest {
  private static TestNodes nodes;

  @BeforeAll
  static void cluster() {
    nodes = TestNodes.shared();
  }

  private static Set<String> names(JsonObject presenceFrame) {
    JsonArray users = presenceFrame.getJsonObject("body").getJsonArray("users");
    return users.stream().map(u -> ((JsonObject) u).getString("name")).collect(Collectors.toSet());
  }

  /** Waits for a presence event on the socket listing exactly {@code expected}. */
  private static void awaitPresence(BridgeClient socket, String address, Set<String> expected) {
    socket.await(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address"))
      && "presence".equals(f.getJsonObject("body").getString("type")) && names(f).equals(expected));
  }

  @Test
  void presence_lists_everyone_in_the_channel_across_nodes_and_follows_leaves() {
    ChatClient erin = nodes.signInOnA("Erin");
    ChatClient fred = nodes.signInOnB("Fred");
    String channel = TestNodes.newChannel(erin);
    String address = "chat.channel." + channel;
    BridgeClient erinSocket = erin.socket();
    BridgeClient fredSocket = fred.socket();
    try {
      erinSocket.subscribe(address);
      awaitPresence(erinSocket, address, Set.of("Erin"));
      fredSocket.subscribe(address);
      awaitPresence(erinSocket, address, Set.of("Erin", "Fred"));
      awaitPresence(fredSocket, address, Set.of("Erin", "Fred"));

      fredSocket.close();
      awaitPresence(erinSocket, address, Set.of("Erin"));
    } finally {
      erinSocket.close();
      fredSocket.close();
    }
  }

  @Test
  void typing_reaches_the_others_with_the_typists_name() {
    ChatClient gus = nodes.signInOnA("Gus");
    ChatClient hana = nodes.signInOnB("Hana");
    String channel = TestNodes.newChannel(gus);
    String address = "chat.channel." + channel;
    BridgeClient gusSocket = gus.socket();
    BridgeClient hanaSocket = hana.socket();
    try {
      gusSocket.subscribe(address);
      hanaSocket.subscribe(address);
      nodes.awaitRegistrationPropagation(address, 2);
      gusSocket.write(new JsonObject().put("type", "send").put("address", "chat.typing")
        .put("body", new JsonObject().put("channel", channel)));
      JsonObject typing = hanaSocket.awaitEvent(address, "typing").getJsonObject("body");
      assertEquals("Gus", typing.getJsonObject("user").getString("name"));
    } finally {
      gusSocket.close();
      hanaSocket.close();
    }
  }
}
