package io.vertxchat.http.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.http.auth.Admins;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The bridge policy alone: one decision per frame, no socket, no node. */
class BridgeGuardRulesTest {
  private static final JsonObject ALICE = new JsonObject().put("id", 1L).put("name", "Alice")
    .put("provider", "dev").put("subject", "alice");
  private final BridgeGuard guard = new BridgeGuard(Admins.parse("dev:root"), 2, 200);

  private BridgeGuard.Decision decide(JsonObject user, String frame) {
    return guard.decide(new BridgeConnection(null, user, null), Buffer.buffer(frame));
  }

  private static void refused(String word, BridgeGuard.Decision decision) {
    assertEquals(word, assertInstanceOf(BridgeGuard.Refuse.class, decision).word());
  }

  @Test
  void a_signed_in_register_to_a_channel_is_a_join_of_that_channel() {
    BridgeGuard.Join join = assertInstanceOf(BridgeGuard.Join.class,
      decide(ALICE, "{\"type\":\"register\",\"address\":\"chat.channel.general\"}"));
    assertEquals("general", join.channel());
  }

  @Test
  void a_socket_without_a_session_can_neither_register_nor_send() {
    refused(BridgeCodes.REJECTED, decide(null, "{\"type\":\"register\",\"address\":\"chat.channel.general\"}"));
    refused(BridgeCodes.REJECTED, decide(null, "{\"type\":\"send\",\"address\":\"chat.send\",\"body\":{}}"));
  }

  @Test
  void only_inbound_addresses_take_sends_and_nobody_publishes() {
    refused(BridgeCodes.ACCESS_DENIED, decide(ALICE, "{\"type\":\"send\",\"address\":\"chat.internal.join\"}"));
    refused(BridgeCodes.REJECTED, decide(ALICE, "{\"type\":\"publish\",\"address\":\"chat.channel.general\"}"));
    BridgeGuard.Send send = assertInstanceOf(BridgeGuard.Send.class,
      decide(ALICE, "{\"type\":\"send\",\"address\":\"chat.send\",\"replyAddress\":\"r1\",\"body\":{\"text\":\"hi\"}}"));
    assertEquals("r1", send.replyAddress());
  }

  @Test
  void the_monitor_stream_is_for_admins_only() {
    refused(BridgeCodes.REJECTED, decide(ALICE, "{\"type\":\"register\",\"address\":\"monitor.stats\"}"));
    JsonObject root = ALICE.copy().put("subject", "root");
    assertInstanceOf(BridgeGuard.Subscribe.class, decide(root, "{\"type\":\"register\",\"address\":\"monitor.stats\"}"));
  }

  @Test
  void bad_frames_get_the_stock_protocol_errors_and_an_oversized_one_closes() {
    refused(BridgeCodes.INVALID_JSON, decide(ALICE, "{nope"));
    refused(BridgeCodes.MISSING_TYPE, decide(ALICE, "{}"));
    refused(BridgeCodes.INVALID_TYPE, decide(ALICE, "{\"type\":7}"));
    refused(BridgeCodes.MISSING_ADDRESS, decide(ALICE, "{\"type\":\"register\"}"));
    BridgeGuard.Close close = assertInstanceOf(BridgeGuard.Close.class, decide(ALICE, "{\"type\":\"ping\",\"x\":\"" + "a".repeat(300) + "\"}"));
    assertEquals(BridgeCodes.FRAME_TOO_LARGE, close.code());
  }

  @Test
  void a_socket_holds_at_most_its_registration_limit() {
    BridgeConnection connection = new BridgeConnection(null, ALICE, null);
    connection.addresses.add("chat.channel.a");
    connection.addresses.add("chat.channel.b");
    refused(BridgeCodes.REJECTED, guard.decide(connection, Buffer.buffer("{\"type\":\"register\",\"address\":\"chat.channel.c\"}")));
    assertInstanceOf(BridgeGuard.Ignore.class, guard.decide(connection, Buffer.buffer("{\"type\":\"register\",\"address\":\"chat.channel.a\"}")));
  }
}
