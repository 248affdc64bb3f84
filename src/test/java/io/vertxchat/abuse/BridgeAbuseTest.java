package io.vertxchat.abuse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.support.TestNodes;
import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.vertxchat.abuse.AbuseFixture.counts;
import static io.vertxchat.abuse.AbuseFixture.nodes;
import static io.vertxchat.abuse.AbuseFixture.nodesStillAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and abuse over the event-bus bridge, as a table: each row is one raw frame from one
 * kind of socket and the contract's answer to it. Every row also proves that nothing was stored
 * that should not have been, that the socket still works in order afterwards (unless the server
 * was right to close it), and that both nodes still answer.
 *
 * <p>Refusals come in the bridge's two words: {@code access_denied} when no permitted address
 * matches, {@code rejected} when the guard refused (no session, not a channel, publish).
 */
class BridgeAbuseTest {
  private static final AtomicInteger REPLIES = new AtomicInteger();
  private static final int MAX_FRAME = 16_384;

  private static ChatClient alice;
  private static ChatClient bob;
  private static String signedOutCookie;
  private static String channel;
  private static long bobsMessage;
  private static long alicesMessage;

  /** Who opens the socket. */
  enum Who { ALICE, ANONYMOUS, BOGUS_COOKIE, SIGNED_OUT, EVIL_ORIGIN }

  /** What the server must answer. */
  sealed interface Expect permits Err, Fails, Replies, Closed, Silent {
  }

  /** {@code {"type":"err","body":word}} without an address. */
  record Err(String word) implements Expect {
  }

  /** A failure reply to the frame's reply address with this failureCode and a message. */
  record Fails(int code) implements Expect {
  }

  /** A successful reply; {@code stored} messages are new rows; {@code check} looks at the body. */
  record Replies(int stored, Consumer<Object> check) implements Expect {
  }

  record Closed() implements Expect {
  }

  record Silent() implements Expect {
  }

  record Case(String name, Who who, String frame, Expect expect) {
  }

  @BeforeAll
  static void people() {
    TestNodes nodes = nodes();
    alice = nodes.signInOnA("abuse-alice");
    bob = nodes.signInOnA("abuse-bob");
    ChatClient carol = nodes.signInOnA("abuse-carol");
    signedOutCookie = carol.cookieHeader();
    assertEquals(204, carol.post("/auth/logout", null).statusCode());
    channel = TestNodes.newChannel(alice);
    BridgeClient b = bob.socket();
    bobsMessage = b.request("chat.send", new JsonObject().put("channel", channel).put("text", "bob's"))
      .getJsonObject("body").getLong("id");
    b.close();
    BridgeClient a = alice.socket();
    alicesMessage = a.request("chat.send", new JsonObject().put("channel", channel).put("text", "alice's"))
      .getJsonObject("body").getLong("id");
    a.close();
  }

  // ---- Frame builders. "@R@" is replaced by a fresh reply address when the row runs.

  static String send(String address, String body) {
    return "{\"type\":\"send\",\"address\":" + Json.encode(address) + ",\"body\":" + body + ",\"replyAddress\":\"@R@\"}";
  }

  static String sendNoReply(String address, String body) {
    return "{\"type\":\"send\",\"address\":" + Json.encode(address) + ",\"body\":" + body + "}";
  }

  static String publish(String address, String body) {
    return "{\"type\":\"publish\",\"address\":" + Json.encode(address) + ",\"body\":" + body + "}";
  }

  static String register(String address) {
    return new JsonObject().put("type", "register").put("address", address).encode();
  }

  static String chatSend(String text) {
    return send("chat.send", new JsonObject().put("channel", "@C@").put("text", text).encode());
  }

  static Case c(String name, Who who, String frame, Expect expect) {
    return new Case(name, who, frame, expect);
  }

  static Case c(String name, String frame, Expect expect) {
    return new Case(name, Who.ALICE, frame, expect);
  }

  static Replies storedVerbatim(String text) {
    return new Replies(1, body -> {
      JsonObject message = (JsonObject) body;
      assertEquals(text.strip(), message.getString("text"), "the reply carries the text as sent");
      assertEquals(AbuseFixture.md5(text.strip()), AbuseFixture.storedMd5(message.getLong("id")),
        "PostgreSQL holds exactly the text sent");
    });
  }

  static Replies replies() {
    return new Replies(0, body -> { });
  }

  // ---- The tables

  static List<Case> malformedFrames() {
    Err invalidJson = new Err(BridgeCodes.INVALID_JSON);
    List<Case> cases = new ArrayList<>();
    String good = send("chat.history", "{\"channel\":\"general\",\"limit\":1}");
    for (int cut : new int[] {1, 5, 10, 20, 30, 40, good.length() - 1}) {
      cases.add(c("truncated after " + cut + " chars", good.substring(0, cut), invalidJson));
    }
    for (String junk : new String[] {"", " ", "x", "{", "}", "[]", "[1,2]", "\"send\"", "42", "null", "true",
      "{'type':'send'}", "{\"type\":\"send\",}", "{\"type\" \"send\"}", "{\"type\":\"send\"}{\"type\":\"ping\"}",
      "{\"type\":\"send\",\"address\":\"chat.send\",\"body\":{\"channel\":\"general\"", "\u0000\u0001\u0002",
      "{\"type\":\"send\",\"address\":\"chat.send\",\"body\":NaN}", "{\"a\":" + "[".repeat(2_000) + "]".repeat(2_000) + "}"}) {
      cases.add(c("not JSON: " + abbreviate(junk), junk, invalidJson));
    }
    cases.add(c("no type", "{\"address\":\"chat.send\",\"body\":{}}", new Err(BridgeCodes.MISSING_TYPE)));
    cases.add(c("null type", "{\"type\":null,\"address\":\"chat.send\"}", new Err(BridgeCodes.MISSING_TYPE)));
    cases.add(c("numeric type", "{\"type\":7,\"address\":\"chat.send\"}", new Err(BridgeCodes.INVALID_TYPE)));
    cases.add(c("object type", "{\"type\":{},\"address\":\"chat.send\"}", new Err(BridgeCodes.INVALID_TYPE)));
    cases.add(c("unknown type", "{\"type\":\"exec\",\"address\":\"chat.send\"}", new Err(BridgeCodes.INVALID_TYPE)));
    cases.add(c("type in capitals", "{\"type\":\"SEND\",\"address\":\"chat.send\"}", new Err(BridgeCodes.INVALID_TYPE)));
    cases.add(c("server frame type rec", "{\"type\":\"rec\",\"address\":\"chat.send\",\"body\":{}}", new Err(BridgeCodes.INVALID_TYPE)));
    cases.add(c("send without address", "{\"type\":\"send\",\"body\":{}}", new Err(BridgeCodes.MISSING_ADDRESS)));
    cases.add(c("register without address", "{\"type\":\"register\"}", new Err(BridgeCodes.MISSING_ADDRESS)));
    cases.add(c("publish without address", "{\"type\":\"publish\",\"body\":{}}", new Err(BridgeCodes.MISSING_ADDRESS)));
    cases.add(c("numeric address", "{\"type\":\"send\",\"address\":5,\"body\":{}}", new Err(BridgeCodes.ACCESS_DENIED)));
    cases.add(c("array address", "{\"type\":\"send\",\"address\":[\"chat.send\"],\"body\":{}}", new Err(BridgeCodes.ACCESS_DENIED)));
    cases.add(c("object address on register", "{\"type\":\"register\",\"address\":{\"a\":1}}", new Err(BridgeCodes.REJECTED)));
    cases.add(c("numeric reply address", "{\"type\":\"send\",\"address\":\"chat.typing\",\"body\":{\"channel\":\"general\"},"
      + "\"replyAddress\":12345}", new Silent()));
    cases.add(c("a frame over the 16 KiB limit", chatSend("x".repeat(MAX_FRAME + 10)), new Closed()));
    cases.add(c("a 200 KiB frame", chatSend("y".repeat(200_000)), new Closed()));
    cases.add(c("a 20 KiB address", "{\"type\":\"send\",\"address\":\"" + "a".repeat(20_000) + "\"}", new Closed()));
    cases.add(c("ping with extras", "{\"type\":\"ping\",\"address\":\"chat.send\",\"body\":{\"channel\":\"general\",\"text\":\"no\"}}",
      new Silent()));
    return cases;
  }

  static List<Case> sendBodies() {
    List<Case> cases = new ArrayList<>();
    Fails invalid = new Fails(400);
    for (String body : new String[] {"null", "\"hello\"", "42", "true", "[]", "[\"general\",\"hi\"]", "{}"}) {
      cases.add(c("chat.send body " + body, send("chat.send", body), invalid));
    }
    String[][] channels = {
      {"missing", null}, {"number", "1"}, {"boolean", "true"}, {"array", "[\"general\"]"}, {"object", "{}"},
      {"empty", "\"\""}, {"capitals", "\"General\""}, {"space", "\"gen eral\""}, {"dot", "\"gen.eral\""},
      {"leading dash", "\"-general\""}, {"51 chars", "\"" + "a".repeat(51) + "\""}, {"traversal", "\"../general\""},
      {"SQL", "\"general' OR '1'='1\""}, {"wildcard", "\"gen%\""}, {"unicode lookalike", "\"g\u0435neral\""},
      {"NUL", "\"general\\u0000\""}, {"trailing newline", "\"general\\n\""}
    };
    for (String[] ch : channels) {
      String body = "{" + (ch[1] == null ? "" : "\"channel\":" + ch[1] + ",") + "\"text\":\"hi\"}";
      cases.add(c("chat.send channel " + ch[0], send("chat.send", body), invalid));
    }
    cases.add(c("chat.send to a channel that does not exist", send("chat.send", "{\"channel\":\"no-such-channel-x\",\"text\":\"hi\"}"),
      new Fails(404)));
    String[][] texts = {
      {"missing", null}, {"number", "5"}, {"boolean", "false"}, {"array", "[\"hi\"]"}, {"object", "{\"t\":\"hi\"}"},
      {"null", "null"}, {"empty", "\"\""}, {"blank", "\"   \""}, {"only newlines and tabs", "\"\\n\\t\\r\\n\""},
      {"NUL", "\"a\\u0000b\""}, {"2001 characters", "\"" + "z".repeat(2001) + "\""},
      {"2001 astral code points", "\"" + "\uD83D\uDE00".repeat(2001) + "\""},
      {"1001 letters with combining accents (2002 code points)", "\"" + "e\u0301".repeat(1001) + "\""},
      {"lone high surrogate", "\"a\\ud800b\""}, {"lone low surrogate", "\"a\\udc00b\""},
      {"reversed surrogate pair", "\"\\ude00\\ud83d\""}
    };
    for (String[] t : texts) {
      String body = "{\"channel\":\"@C@\"" + (t[1] == null ? "" : ",\"text\":" + t[1]) + "}";
      cases.add(c("chat.send text " + t[0], send("chat.send", body), invalid));
    }
    String[][] clientIds = {
      {"number", "12"}, {"empty", "\"\""}, {"101 chars", "\"" + "k".repeat(101) + "\""}, {"control char", "\"a\\u0001\""},
      {"object", "{}"}, {"array", "[\"x\"]"}, {"lone surrogate", "\"id\\ud800\""}
    };
    for (String[] id : clientIds) {
      cases.add(c("chat.send clientId " + id[0], send("chat.send", "{\"channel\":\"@C@\",\"text\":\"hi\",\"clientId\":" + id[1] + "}"),
        invalid));
    }
    return cases;
  }

  static List<Case> otherBodies() {
    List<Case> cases = new ArrayList<>();
    Fails invalid = new Fails(400);
    String[][] ids = {
      {"missing", null}, {"string", "\"1\""}, {"zero", "0"}, {"negative", "-5"}, {"fraction", "1.5"},
      {"huge", "1e300"}, {"boolean", "true"}, {"array", "[1]"}, {"object", "{}"}, {"beyond long", "99999999999999999999999"}
    };
    for (String address : new String[] {"chat.edit", "chat.delete"}) {
      for (String[] id : ids) {
        String body = "{" + (id[1] == null ? "" : "\"id\":" + id[1] + ",") + "\"text\":\"edited\"}";
        cases.add(c(address + " id " + id[0], send(address, body), invalid));
      }
      cases.add(c(address + " of a message that does not exist", send(address, "{\"id\":999999999999,\"text\":\"x\"}"),
        new Fails(404)));
      cases.add(c(address + " of someone else's message", send(address, "{\"id\":@BOB@,\"text\":\"mine now\"}"), new Fails(403)));
      cases.add(c(address + " of someone else's message, claiming their authorId",
        send(address, "{\"id\":@BOB@,\"text\":\"mine now\",\"authorId\":@BOBID@}"), new Fails(403)));
      cases.add(c(address + " body string", send(address, "\"@BOB@\""), invalid));
    }
    for (String[] t : new String[][] {{"missing", null}, {"blank", "\" \""}, {"2001 characters", "\"" + "q".repeat(2001) + "\""},
      {"number", "3"}, {"NUL", "\"\\u0000\""}}) {
      String body = "{\"id\":@ALICE@" + (t[1] == null ? "" : ",\"text\":" + t[1]) + "}";
      cases.add(c("chat.edit text " + t[0], send("chat.edit", body), invalid));
    }
    String[][] history = {
      {"no channel", "{}"}, {"channel number", "{\"channel\":1}"}, {"bad channel", "{\"channel\":\"../../etc\"}"},
      {"limit 0", "{\"channel\":\"@C@\",\"limit\":0}"}, {"limit 101", "{\"channel\":\"@C@\",\"limit\":101}"},
      {"limit string", "{\"channel\":\"@C@\",\"limit\":\"5\"}"}, {"limit fraction", "{\"channel\":\"@C@\",\"limit\":2.5}"},
      {"limit negative", "{\"channel\":\"@C@\",\"limit\":-1}"}, {"before string", "{\"channel\":\"@C@\",\"before\":\"9\"}"},
      {"after negative", "{\"channel\":\"@C@\",\"after\":-1}"}, {"after object", "{\"channel\":\"@C@\",\"after\":{}}"},
      {"after SQL", "{\"channel\":\"@C@\",\"after\":\"0 OR 1=1\"}"}, {"body array", "[]"}
    };
    for (String[] h : history) {
      cases.add(c("chat.history " + h[0], send("chat.history", h[1]), invalid));
    }
    cases.add(c("chat.history of a channel that does not exist", send("chat.history", "{\"channel\":\"no-such-channel-y\"}"),
      new Fails(404)));
    cases.add(c("chat.history limit 100 is fine", send("chat.history", "{\"channel\":\"@C@\",\"limit\":100}"), replies()));
    cases.add(c("chat.history limit 1.0 is a whole number", send("chat.history", "{\"channel\":\"@C@\",\"limit\":1.0}"), replies()));
    for (String[] t : new String[][] {{"no channel", "{}"}, {"channel number", "{\"channel\":9}"},
      {"bad channel", "{\"channel\":\"A B\"}"}, {"body string", "\"general\""}}) {
      cases.add(c("chat.typing " + t[0], send("chat.typing", t[1]), invalid));
    }
    return cases;
  }

  static List<Case> addresses() {
    List<Case> cases = new ArrayList<>();
    Err denied = new Err(BridgeCodes.ACCESS_DENIED);
    Err rejected = new Err(BridgeCodes.REJECTED);
    String body = "{\"channel\":\"@C@\",\"text\":\"sneaky\",\"messages\":[{\"author\":{\"id\":1},\"text\":\"x\",\"clientId\":\"x\"}]}";
    for (String address : new String[] {"chat.internal.store.messages", "chat.internal.store.trim",
      "chat.internal.store.user.upsert", "chat.internal.channel.create", "chat.internal.presence.node",
      "chat.internal.session.ended", "monitor.stats", "chat.channel.@C@", "chat.channel.general", "chat.sendx",
      "chat.send.x", "xchat.send", "CHAT.SEND", "chat send", "chat.send ", "", "unknown", "__vertx.reply.1",
      "chat.\u0455end", "a".repeat(300), "chat.send" + "\u0000"}) {
      cases.add(c("send to " + abbreviate(address), sendNoReply(address, body), denied));
    }
    for (String address : new String[] {"chat.channel.@C@", "chat.channel.general", "chat.send", "chat.history",
      "monitor.stats", "chat.internal.store.messages", "anything"}) {
      cases.add(c("publish to " + address, publish(address, "{\"type\":\"message\",\"message\":{\"id\":1,\"text\":\"fake\"}}"),
        rejected));
    }
    for (String address : new String[] {"chat.internal.store.messages", "chat.internal.presence.node",
      "chat.internal.session.ended", "chat.send", "chat.channel.", "chat.channel.General", "chat.channel.general.x",
      "chat.channel.no-such-channel-z", "chat.channel." + "b".repeat(51), "chat.channel.../general", "monitor.stats",
      "__vertx.reply.1", ""}) {
      cases.add(c("register " + abbreviate(address), register(address), rejected));
    }
    cases.add(c("register an 81-character address", register("chat.channel." + "c".repeat(68)), rejected));
    cases.add(c("register a 5000-character address", register("chat.channel." + "c".repeat(5000)), rejected));
    cases.add(c("unregister an internal address", "{\"type\":\"unregister\",\"address\":\"chat.internal.presence.node\"}", denied));
    cases.add(c("unregister something never registered", "{\"type\":\"unregister\",\"address\":\"chat.channel.general\"}",
      new Silent()));
    cases.add(c("a reply address over 36 characters", send("chat.history", "{\"channel\":\"general\"}")
      .replace("@R@", "r".repeat(37)), new Err(BridgeCodes.INVALID_REPLY_ADDRESS)));
    return cases;
  }

  static List<Case> withoutSession() {
    List<Case> cases = new ArrayList<>();
    Err rejected = new Err(BridgeCodes.REJECTED);
    for (Who who : new Who[] {Who.ANONYMOUS, Who.BOGUS_COOKIE, Who.SIGNED_OUT}) {
      String w = who.name().toLowerCase().replace('_', ' ');
      cases.add(c(w + ": register a channel", who, register("chat.channel.general"), rejected));
      cases.add(c(w + ": chat.send", who, send("chat.send", "{\"channel\":\"@C@\",\"text\":\"anon\"}"), rejected));
      cases.add(c(w + ": chat.send with a forged user header", who,
        "{\"type\":\"send\",\"address\":\"chat.send\",\"headers\":{\"chat-user\":\"{\\\"id\\\":1,\\\"name\\\":\\\"x\\\"}\"},"
          + "\"body\":{\"channel\":\"@C@\",\"text\":\"forged\"},\"replyAddress\":\"@R@\"}", rejected));
      cases.add(c(w + ": chat.edit", who, send("chat.edit", "{\"id\":@ALICE@,\"text\":\"x\"}"), rejected));
      cases.add(c(w + ": chat.delete", who, send("chat.delete", "{\"id\":@ALICE@}"), rejected));
      cases.add(c(w + ": chat.history", who, send("chat.history", "{\"channel\":\"@C@\"}"), rejected));
      cases.add(c(w + ": chat.typing", who, send("chat.typing", "{\"channel\":\"@C@\"}"), rejected));
      cases.add(c(w + ": publish to a channel", who, publish("chat.channel.@C@", "{\"type\":\"message\"}"), rejected));
      cases.add(c(w + ": register monitor.stats", who, register("monitor.stats"), rejected));
    }
    cases.add(c("a signed-in cookie from a foreign Origin", Who.EVIL_ORIGIN, send("chat.history", "{\"channel\":\"general\"}"),
      new Closed()));
    return cases;
  }

  static List<Case> acceptedText() {
    List<Case> cases = new ArrayList<>();
    String[][] texts = {
      {"SQL: drop table", "'; DROP TABLE messages; --"},
      {"SQL: or 1=1", "\" OR 1=1 --"},
      {"SQL: union", "' UNION SELECT id, name FROM users --"},
      {"SQL: bobby tables", "Robert'); DROP TABLE users;--"},
      {"SQL: positional parameter", "$1 $2 $$ $tag$ x $tag$"},
      {"SQL: backslashes and escapes", "E'\\\\x00' \\' \\\\ \\n"},
      {"SQL: wildcards and comments", "% _ /* */ -- ;"},
      {"SQL: copy from program", "COPY messages TO PROGRAM 'rm -rf /'"},
      {"HTML/script", "<script>alert(1)</script><img src=x onerror=alert(2)>"},
      {"RTL override", "\u202Egnp.exe\u202C"},
      {"Hebrew and Arabic", "\u05E9\u05DC\u05D5\u05DD \u0645\u0631\u062D\u0628\u0627"},
      {"bidi isolates", "\u2067abc\u2069 \u2066def\u2069"},
      {"zero-width characters", "a\u200Bb\u200Cc\u200Dd\uFEFFe"},
      {"only a zero-width space", "\u200B"},
      {"emoji ZWJ sequence", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67"},
      {"flags and skin tones", "\uD83C\uDDEB\uD83C\uDDF7 \uD83D\uDC4D\uD83C\uDFFD"},
      {"2000 astral code points", "\uD83D\uDE00".repeat(2000)},
      {"2000 characters", "w".repeat(2000)},
      {"1000 letters with combining accents (2000 code points)", "e\u0301".repeat(1000)},
      {"Zalgo", "Z\u0351\u0352\u0353a\u0354\u0355l\u0356\u0357g\u0358o"},
      {"control characters other than NUL", "bell\u0007 tab\t vt\u000B"},
      {"surrounding whitespace is trimmed", "  \n  padded  \t "},
      {"private use and noncharacters", "\uE000\uFFFF\uDBFF\uDFFF"},
      {"JSON inside text", "{\"type\":\"message\",\"author\":{\"id\":1}}"},
      {"CRLF injection", "line1\r\nSet-Cookie: x=y\r\n"}
    };
    for (String[] t : texts) {
      cases.add(c("stored verbatim: " + t[0], chatSend(t[1]), storedVerbatim(t[1])));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> malformed_frames_are_answered_with_the_bridge_error_and_change_nothing() {
    return run(malformedFrames());
  }

  @TestFactory
  Stream<DynamicTest> bad_send_bodies_fail_with_400_or_404_and_store_nothing() {
    return run(sendBodies());
  }

  @TestFactory
  Stream<DynamicTest> bad_edit_delete_history_and_typing_bodies_fail_with_the_contract_code() {
    return run(otherBodies());
  }

  @TestFactory
  Stream<DynamicTest> addresses_outside_the_contract_are_refused() {
    return run(addresses());
  }

  @TestFactory
  Stream<DynamicTest> sockets_without_a_signed_in_session_may_do_nothing() {
    return run(withoutSession());
  }

  @TestFactory
  Stream<DynamicTest> sql_and_unicode_edge_cases_are_stored_verbatim() {
    return run(acceptedText());
  }

  record Scenario(String name, int stored, Runnable check) {
  }

  @TestFactory
  Stream<DynamicTest> identity_comes_from_the_session_and_replies_go_only_to_their_socket() {
    List<Scenario> rows = new ArrayList<>();
    long aliceId = alice.me().getLong("id");
    long bobId = bob.me().getLong("id");
    JsonObject bobUser = new JsonObject().put("id", bobId).put("name", "abuse-bob").put("provider", "dev");
    String[][] forgedBodies = {
      {"a forged author object in the body", "author", bobUser.encode()},
      {"a forged authorId in the body", "authorId", String.valueOf(bobId)},
      {"a forged user in the body", "user", bobUser.encode()},
      {"a forged author name in the body", "name", "\"abuse-bob\""}
    };
    for (String[] f : forgedBodies) {
      rows.add(new Scenario("chat.send with " + f[0] + " is stored as the session user", 1, () -> {
        BridgeClient socket = alice.socket();
        try {
          JsonObject body = new JsonObject().put("channel", channel).put("text", "forged").put(f[1], Json.decodeValue(f[2]));
          JsonObject reply = socket.request("chat.send", body);
          JsonObject message = reply.getJsonObject("body");
          assertEquals(aliceId, message.getJsonObject("author").getLong("id"), () -> "reply " + reply);
          assertEquals("abuse-alice", message.getJsonObject("author").getString("name"));
          assertEquals(aliceId, AbuseFixture.storedAuthor(message.getLong("id")));
        } finally {
          socket.close();
        }
      }));
    }
    String[][] forgedHeaders = {
      {"chat-user", bobUser.encode()}, {"Chat-User", bobUser.encode()}, {"CHAT-USER", bobUser.encode()},
      {"chat-user", "not json"}, {"x-forwarded-user", "abuse-bob"}
    };
    for (String[] h : forgedHeaders) {
      rows.add(new Scenario("chat.send with a forged " + h[0] + " header in the frame is stored as the session user", 1, () -> {
        BridgeClient socket = alice.socket();
        try {
          JsonObject body = new JsonObject().put("channel", channel).put("text", "forged header");
          JsonObject reply = socket.request("chat.send", body, new JsonObject().put(h[0], h[1]));
          JsonObject message = reply.getJsonObject("body");
          assertNotNull(message, () -> "reply " + reply);
          assertEquals(aliceId, message.getJsonObject("author").getLong("id"));
          assertEquals(aliceId, AbuseFixture.storedAuthor(message.getLong("id")));
        } finally {
          socket.close();
        }
      }));
    }
    for (String address : new String[] {"chat.edit", "chat.delete"}) {
      rows.add(new Scenario(address + " of bob's message with bob's identity forged in the headers -> 403", 0, () -> {
        BridgeClient socket = alice.socket();
        try {
          JsonObject reply = socket.request(address, new JsonObject().put("id", bobsMessage).put("text", "hijacked"),
            new JsonObject().put("chat-user", bobUser.encode()));
          assertEquals(403, reply.getInteger("failureCode"), () -> "reply " + reply);
          assertEquals("bob's", AbuseFixture.scalar("SELECT text FROM messages WHERE id = $1", bobsMessage));
        } finally {
          socket.close();
        }
      }));
    }
    for (String target : new String[] {"chat.channel.@C@", "chat.send", "chat.internal.store.messages", "monitor.stats",
      "chat.internal.session.ended"}) {
      rows.add(new Scenario("a reply address aimed at " + target + " reaches only the asking socket", 0, () -> {
        String aimed = target.replace("@C@", channel);
        BridgeClient listener = bob.socket();
        BridgeClient asker = alice.socket();
        try {
          listener.subscribe("chat.channel." + channel);
          listener.clearFrames();
          asker.write(new JsonObject().put("type", "send").put("address", "chat.history").put("replyAddress", aimed)
            .put("body", new JsonObject().put("channel", channel).put("limit", 1)));
          JsonObject reply = asker.await(f -> aimed.equals(f.getString("address")));
          assertNotNull(reply.getJsonObject("body").getJsonArray("messages"), () -> "reply " + reply);
          JsonObject probe = listener.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
          assertNull(probe.getValue("failureCode"));
          assertTrue(listener.frames().stream().noneMatch(f -> f.getValue("body") instanceof JsonObject b
              && b.containsKey("messages")), () -> "another socket saw the reply: " + listener.frames());
        } finally {
          listener.close();
          asker.close();
        }
      }));
    }
    rows.add(new Scenario("sending to another socket's reply address is refused", 0, () -> {
      BridgeClient asker = alice.socket();
      BridgeClient intruder = bob.socket();
      try {
        asker.write(new JsonObject().put("type", "send").put("address", "chat.history").put("replyAddress", "alice-reply-1")
          .put("body", new JsonObject().put("channel", channel)));
        intruder.write(new JsonObject().put("type", "send").put("address", "alice-reply-1")
          .put("body", new JsonObject().put("messages", new io.vertx.core.json.JsonArray().add("fake"))));
        assertEquals(BridgeCodes.ACCESS_DENIED, intruder.await(f -> "err".equals(f.getString("type"))).getValue("body"));
        JsonObject reply = asker.await(f -> "alice-reply-1".equals(f.getString("address")));
        assertTrue(reply.getJsonObject("body").getJsonArray("messages").stream().noneMatch("fake"::equals));
      } finally {
        asker.close();
        intruder.close();
      }
    }));
    // The per-user socket limit is covered by FloodControlTest on a node of its own: on the shared
    // cluster, after the other suites, one of 20 fresh sockets of a new user was closed (cause not
    // found yet).
    return rows.stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> {
      AbuseFixture.Counts before = counts();
      row.check().run();
      assertEquals(before.plusMessages(row.stored()), counts(), "rows stored by the case");
      nodesStillAnswer(alice);
    }));
  }

  private static Stream<DynamicTest> run(List<Case> cases) {
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> runCase(c)));
  }

  private static void runCase(Case c) {
    AbuseFixture.Counts before = counts();
    BridgeClient socket;
    try {
      socket = open(c.who());
    } catch (AssertionError refusedAtHandshake) {
      assertEquals(Who.EVIL_ORIGIN, c.who(), () -> "could not connect: " + refusedAtHandshake);
      nodesStillAnswer(alice);
      return;
    }
    String reply = "r" + REPLIES.incrementAndGet();
    String frame = c.frame()
      .replace("@R@", reply)
      .replace("@C@", channel)
      .replace("@BOBID@", String.valueOf(bob.me().getLong("id")))
      .replace("@BOB@", String.valueOf(bobsMessage))
      .replace("@ALICE@", String.valueOf(alicesMessage));
    int stored = 0;
    try {
      if (c.who() == Who.EVIL_ORIGIN) {
        socket.awaitClosed();
        return;
      }
      socket.writeText(frame);
      Expect expect = c.expect();
      if (expect instanceof Err err) {
        JsonObject answer = socket.await(f -> "err".equals(f.getString("type")) && f.getValue("address") == null);
        assertEquals(err.word(), answer.getValue("body"), () -> "refusal of " + abbreviate(frame) + ": " + answer);
      } else if (expect instanceof Fails fails) {
        JsonObject answer = socket.await(f -> reply.equals(f.getString("address")));
        assertEquals("err", answer.getString("type"), () -> "expected a failure reply: " + answer);
        assertEquals(fails.code(), answer.getInteger("failureCode"), () -> "failure code: " + answer);
        assertNotNull(answer.getString("message"), "a failure says what was wrong");
        assertFalse(answer.getString("message").isBlank(), "a failure says what was wrong");
      } else if (expect instanceof Replies ok) {
        JsonObject answer = socket.await(f -> reply.equals(f.getString("address")));
        assertNull(answer.getValue("failureCode"), () -> "expected success: " + answer);
        ok.check().accept(answer.getValue("body"));
        stored = ok.stored();
      } else if (expect instanceof Closed) {
        socket.awaitClosed();
      }
      if (!(c.expect() instanceof Closed)) {
        probe(c.who(), socket);
      }
    } finally {
      socket.close();
    }
    assertEquals(before.plusMessages(stored), counts(), "rows stored by the case");
    nodesStillAnswer(alice);
  }

  /** The socket still works, in order, after the bad frame; and no stray error came before. */
  private static void probe(Who who, BridgeClient socket) {
    if (who == Who.ALICE) {
      JsonObject answer = socket.request("chat.history", new JsonObject().put("channel", "general").put("limit", 1));
      assertNull(answer.getValue("failureCode"), () -> "probe after the case failed: " + answer);
      assertTrue(socket.frames().stream().noneMatch(f -> "err".equals(f.getString("type"))),
        () -> "unexpected error frames: " + socket.frames());
    } else {
      socket.register("chat.channel.general");
      JsonObject answer = socket.await(f -> "err".equals(f.getString("type")));
      assertEquals(BridgeCodes.REJECTED, answer.getValue("body"));
    }
  }

  private static BridgeClient open(Who who) {
    String origin = AbuseFixture.origin();
    return switch (who) {
      case ALICE -> AbuseFixture.socket(alice.cookieHeader(), origin);
      case ANONYMOUS -> AbuseFixture.socket(null, origin);
      case BOGUS_COOKIE -> AbuseFixture.socket("chat.session=0123456789abcdef0123456789abcdef", origin);
      case SIGNED_OUT -> AbuseFixture.socket(signedOutCookie, origin);
      case EVIL_ORIGIN -> AbuseFixture.socket(alice.cookieHeader(), "http://evil.example");
    };
  }

  static String abbreviate(String s) {
    String shown = s.replaceAll("\\p{Cntrl}", "?");
    return shown.length() > 40 ? shown.substring(0, 40) + "...(" + s.length() + ")" : shown;
  }
}
