// The web app's side of the server's contract, declared once: the bridge's close codes and
// refusal words (io.vertxchat.contract.BridgeCodes), the failure codes of replies and HTTP
// statuses (ErrorCodes), the browser-visible addresses (Addresses), the message limit
// (chat.MessageRules). Every other module uses these names, never the numbers.

/** Close codes of the bridge socket, as BridgeCodes. */
export const BridgeCodes = Object.freeze({
  /** The server is going away (drain, shutdown) or the socket stopped pinging: reconnect. */
  GOING_AWAY: 1001,
  /** A frame over the size limit: the socket is closed. */
  FRAME_TOO_LARGE: 1009,
  /** The socket fell too far behind: reconnect and resume after the last id. */
  TOO_SLOW: 4008,
  /** The session ended (signed out on any node, or expired): sign in again. */
  SIGNED_OUT: 4401,
  /** The page's Origin is not this node's public URL. */
  ORIGIN_NOT_ALLOWED: 4403,
  /** The user has too many sockets open. */
  TOO_MANY_SOCKETS: 4429,
});

/** Refusal words of {"type":"err","body":<word>} frames, as BridgeCodes. */
export const Refusals = Object.freeze({
  /** The policy says no to this socket: not signed in, not an admin, no such channel, a limit, any publish. */
  REJECTED: "rejected",
  /** No browser may ever use this address. */
  ACCESS_DENIED: "access_denied",
  INVALID_JSON: "invalid_json",
  MISSING_TYPE: "missing_type",
  INVALID_TYPE: "invalid_type",
  MISSING_ADDRESS: "missing_address",
  INVALID_REPLY_ADDRESS: "invalid_reply_address",
});

/** Failure codes of event-bus replies and HTTP statuses, as ErrorCodes. */
export const ErrorCodes = Object.freeze({
  INVALID: 400,
  NOT_SIGNED_IN: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  STORAGE_UNAVAILABLE: 503,
  /** Not from the server: the client's own code for "no connection" (BusError, ApiError). */
  NOT_CONNECTED: 0,
});

/** The addresses a browser uses, as Addresses. */
export const Addresses = Object.freeze({
  SEND: "chat.send",
  EDIT: "chat.edit",
  DELETE: "chat.delete",
  HISTORY: "chat.history",
  TYPING: "chat.typing",
  READ: "chat.read",
  /** The signed-in person's own stream: channels that appear, removals, read marks, activity. */
  USER_STREAM: "chat.me",
  SEARCH: "chat.search",
  REACT: "chat.react",
  MONITOR_STATS: "monitor.stats",
});

/** The address a channel's events are published to. */
export const channelAddress = (name) => `chat.channel.${name}`;

/** Channel kinds, as ChannelDirectory. */
export const Kinds = Object.freeze({ PUBLIC: "public", PRIVATE: "private", DIRECT: "direct" });

/** Channel names, as Addresses.CHANNEL_NAME_REGEX. */
export const CHANNEL_NAME_REGEX = "[a-z0-9][a-z0-9_-]{0,49}";

/** The most code points in a message, as MessageRules.MAX_TEXT_CODE_POINTS. */
export const MAX_TEXT = 2000;

