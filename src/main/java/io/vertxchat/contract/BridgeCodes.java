package io.vertxchat.contract;

/**
 * What the bridge says to a socket, part of the public contract: the close codes a client acts on
 * and the refusal words of {@code {"type":"err","body":<word>}} frames. The web app mirrors these in
 * {@code webroot/js/contract.js}.
 */
public final class BridgeCodes {
  private BridgeCodes() {
  }

  // ---- Close codes (WebSocket close frame; SockJS close frame for the other transports).

  /** The server is going away (drain, shutdown) or the socket stopped pinging: reconnect. */
  public static final int GOING_AWAY = 1001;
  /** A frame over the size limit: the socket is closed. */
  public static final int FRAME_TOO_LARGE = 1009;
  /** The socket fell too far behind: reconnect and resume after the last id. */
  public static final int TOO_SLOW = 4008;
  /** The session ended (signed out on any node, or expired): sign in again. */
  public static final int SIGNED_OUT = 4401;
  /** The page's Origin is not this node's public URL. */
  public static final int ORIGIN_NOT_ALLOWED = 4403;
  /** The user has too many sockets open. */
  public static final int TOO_MANY_SOCKETS = 4429;

  // ---- Refusal words, as the stock bridge uses them.

  /** The policy says no to this socket: not signed in, not an admin, no such channel, a limit, any publish. */
  public static final String REJECTED = "rejected";
  /** No browser may ever use this address. */
  public static final String ACCESS_DENIED = "access_denied";
  /** Protocol errors: the frame itself is wrong. */
  public static final String INVALID_JSON = "invalid_json";
  public static final String MISSING_TYPE = "missing_type";
  public static final String INVALID_TYPE = "invalid_type";
  public static final String MISSING_ADDRESS = "missing_address";
  public static final String INVALID_REPLY_ADDRESS = "invalid_reply_address";
}
