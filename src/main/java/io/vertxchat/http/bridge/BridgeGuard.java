package io.vertxchat.http.bridge;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.contract.BridgeCodes;
import io.vertxchat.http.auth.Admins;

import java.util.regex.Pattern;

/**
 * The bridge's policy, deny by default: one decision per frame from a socket, and no I/O, so every
 * rule can be read (and tested) here alone.
 * <ul>
 *   <li>{@code register} is a join: signed in, within the per-socket limit, a channel address (its
 *   existence, and who may read it, is the chat verticle's answer); {@code chat.me}, the socket's
 *   own user's stream; {@code monitor.stats} needs an admin. Nothing else.</li>
 *   <li>{@code send} goes only to the inbound {@code chat.*} addresses, for a signed-in socket; the
 *   chat verticle gets the session user, never what the browser claims.</li>
 *   <li>{@code publish} is never allowed: only the server publishes channel events.</li>
 * </ul>
 * Refusals use the stock bridge's two words: {@link BridgeCodes#REJECTED} when the policy says no
 * to this socket, {@link BridgeCodes#ACCESS_DENIED} when no browser may ever use the address.
 */
final class BridgeGuard {
  private static final Pattern INBOUND = Pattern.compile(Addresses.INBOUND_REGEX);
  private static final int MAX_REPLY_ADDRESS = 36;

  /** What to do with one frame. */
  sealed interface Decision {
  }

  record Ping() implements Decision {
  }

  /** Join a channel: ask the chat verticle, then subscribe. */
  record Join(String address, String channel) implements Decision {
  }

  /** Subscribe at once (the admin stream). */
  record Subscribe(String address) implements Decision {
  }

  /** Unsubscribe; {@code channel} is null for a non-channel address. */
  record Leave(String address, String channel) implements Decision {
  }

  /** Hand a request to the chat verticle; answer on {@code replyAddress} unless it is null. */
  record Send(String address, Object body, String replyAddress) implements Decision {
  }

  /** Nothing to do (e.g. a repeated register). */
  record Ignore() implements Decision {
  }

  /**
   * Answer {@code {"type":"err","body":word}}. {@code reason} is a fixed word for the refusal metric
   * (null for plain protocol errors); {@code why} is for the debug log.
   */
  record Refuse(String word, String reason, String why) implements Decision {
  }

  /** Close the socket. */
  record Close(int code, String text, String reason) implements Decision {
  }

  private static final Decision PING = new Ping();
  private static final Decision IGNORE = new Ignore();

  private final Admins admins;
  private final int registrationsPerSocket;
  private final int maxFrameBytes;

  BridgeGuard(Admins admins, int registrationsPerSocket, int maxFrameBytes) {
    this.admins = admins;
    this.registrationsPerSocket = registrationsPerSocket;
    this.maxFrameBytes = maxFrameBytes;
  }

  Decision decide(BridgeConnection connection, Buffer buffer) {
    if (buffer.length() > maxFrameBytes) {
      return new Close(BridgeCodes.FRAME_TOO_LARGE, "frame too large", "frame_too_large");
    }
    JsonObject frame;
    try {
      frame = buffer.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      return protocolError(BridgeCodes.INVALID_JSON);
    }
    Object type = frame.getValue("type");
    if (type == null) {
      return protocolError(BridgeCodes.MISSING_TYPE);
    }
    if (!(type instanceof String)) {
      return protocolError(BridgeCodes.INVALID_TYPE);
    }
    return switch ((String) type) {
      case "ping" -> PING;
      case "register" -> register(connection, frame);
      case "unregister" -> unregister(frame);
      case "send" -> send(connection, frame);
      case "publish" -> frame.getValue("address") == null ? protocolError(BridgeCodes.MISSING_ADDRESS)
        : reject("publish", "browsers may not publish");
      default -> protocolError(BridgeCodes.INVALID_TYPE);
    };
  }

  private Decision register(BridgeConnection connection, JsonObject frame) {
    Object value = frame.getValue("address");
    if (value == null) {
      return protocolError(BridgeCodes.MISSING_ADDRESS);
    }
    if (!(value instanceof String address)) {
      return reject("not_a_channel", "register to a non-string address");
    }
    if (!connection.signedIn()) {
      return reject("not_signed_in", "register without a signed-in session");
    }
    if (connection.addresses.contains(address)) {
      return IGNORE;
    }
    if (connection.addresses.size() >= registrationsPerSocket) {
      return reject("too_many_registrations", "too many registrations on one socket");
    }
    if (Addresses.USER_STREAM.equals(address)) {
      return new Subscribe(address);
    }
    if (Addresses.MONITOR_STATS.equals(address)) {
      return admins.includes(connection.user) ? new Subscribe(address)
        : reject("not_admin", "monitor.stats needs an admin");
    }
    String channel = Addresses.channelOf(address);
    if (channel == null) {
      return reject("not_a_channel", "register to a non-channel address");
    }
    return new Join(address, channel);
  }

  private static Decision unregister(JsonObject frame) {
    String address = frame.getValue("address") instanceof String a ? a : null;
    if (address == null) {
      return protocolError(BridgeCodes.MISSING_ADDRESS);
    }
    String channel = Addresses.channelOf(address);
    if (channel == null && !Addresses.MONITOR_STATS.equals(address) && !Addresses.USER_STREAM.equals(address)) {
      return deny("not_outbound", "unregister from an address nobody may register");
    }
    return new Leave(address, channel);
  }

  private static Decision send(BridgeConnection connection, JsonObject frame) {
    Object value = frame.getValue("address");
    if (value == null) {
      return protocolError(BridgeCodes.MISSING_ADDRESS);
    }
    if (!connection.signedIn()) {
      return reject("not_signed_in", "send without a signed-in session");
    }
    if (!(value instanceof String address) || !INBOUND.matcher(address).matches()) {
      return deny("not_inbound", "send to a non-inbound address");
    }
    // A reply address that is not a string is ignored, as the stock bridge does: no reply.
    String replyAddress = frame.getValue("replyAddress") instanceof String r ? r : null;
    if (replyAddress != null && replyAddress.length() > MAX_REPLY_ADDRESS) {
      return protocolError(BridgeCodes.INVALID_REPLY_ADDRESS);
    }
    return new Send(address, frame.getValue("body"), replyAddress);
  }

  private static Decision protocolError(String word) {
    return new Refuse(word, null, null);
  }

  private static Decision reject(String reason, String why) {
    return new Refuse(BridgeCodes.REJECTED, reason, why);
  }

  private static Decision deny(String reason, String why) {
    return new Refuse(BridgeCodes.ACCESS_DENIED, reason, why);
  }
}
