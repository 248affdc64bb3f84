package io.vertxchat.contract;

import java.util.regex.Pattern;

/**
 * Every event-bus address of the product. Browser-visible addresses are the public contract
 * (see the README); internal ones are never bridged and are registered as local consumers, so a
 * node's verticles only ever talk to their own node, except where noted.
 */
public final class Addresses {
  private Addresses() {
  }

  // ---- Inbound: browser to server, through the bridge. The guard stamps the session user
  // ---- into the {@link #USER_HEADER} header; bodies never carry identity.

  /** {@code {"channel","text","clientId"?}} replies the stored {@code Message}. */
  public static final String SEND = "chat.send";
  /** {@code {"id","text"}} replies the updated {@code Message}; author only. */
  public static final String EDIT = "chat.edit";
  /** {@code {"id"}} replies {@code {"id"}}; author only. */
  public static final String DELETE = "chat.delete";
  /** {@code {"channel","before"?,"after"?,"limit"?}} replies {@code {"messages":[Message]}}. */
  public static final String HISTORY = "chat.history";
  /** {@code {"channel"}}, no reply; publishes a typing event. */
  public static final String TYPING = "chat.typing";

  /** The inbound addresses, as one regex for the bridge. */
  public static final String INBOUND_REGEX = "chat\\.(send|edit|delete|history|typing)";

  // ---- Outbound: server to browser.

  /** Prefix of a channel's event stream; events are {@code {"type": message|edit|delete|presence|typing}}. */
  public static final String CHANNEL_PREFIX = "chat.channel.";
  /** Admin-only stream of per-node {@code monitor.stats} snapshots. */
  public static final String MONITOR_STATS = "monitor.stats";

  /** Channel names, as in the contract. */
  public static final String CHANNEL_NAME_REGEX = "[a-z0-9][a-z0-9_-]{0,49}";
  public static final Pattern CHANNEL_NAME = Pattern.compile(CHANNEL_NAME_REGEX);
  public static final String CHANNEL_ADDRESS_REGEX = "chat\\.channel\\." + CHANNEL_NAME_REGEX;
  private static final Pattern CHANNEL_ADDRESS = Pattern.compile(CHANNEL_ADDRESS_REGEX);

  /** Header the bridge guard sets on inbound messages: the session user's {@code User} JSON. */
  public static final String USER_HEADER = "chat-user";

  // ---- Internal, local to a node.

  /**
   * To the persistence verticle: a batch for one channel,
   * {@code {"channel","messages":[{"author":User,"text","clientId"}]}}, replies
   * {@code {"results":[{"message":Message,"stored":bool}]}} in the batch's order; fails 404 for
   * an unknown channel.
   */
  public static final String STORE_MESSAGES = "chat.internal.store.messages";
  /** {@code {"id","text","authorId"}} replies {@code Message}; 403 when not the author, 404 when gone. */
  public static final String STORE_EDIT = "chat.internal.store.edit";
  /** {@code {"id","authorId"}} replies {@code {"id","channel"}}. */
  public static final String STORE_DELETE = "chat.internal.store.delete";
  /** {@code {"channel","before"?,"after"?,"limit"}} replies {@code {"messages":[Message]}}. */
  public static final String STORE_HISTORY = "chat.internal.store.history";
  /** {@code {}} replies {@code {"channels":[Channel]}}. */
  public static final String STORE_CHANNELS = "chat.internal.store.channels";
  /** {@code {"name"}} replies {@code Channel} or fails 404. */
  public static final String STORE_CHANNEL_GET = "chat.internal.store.channel.get";
  /** {@code {"name","createdBy"}} replies {@code Channel}, fails 409 when it exists. */
  public static final String STORE_CHANNEL_CREATE = "chat.internal.store.channel.create";
  /** {@code {"provider","subject","name","avatarUrl","profileUrl","email"}} replies {@code User}. */
  public static final String STORE_USER_UPSERT = "chat.internal.store.user.upsert";
  /** {@code {"id"}} replies {@code User} with {@code lastChannel}. */
  public static final String STORE_USER_GET = "chat.internal.store.user.get";
  /** {@code {"id","channel"}}: remembers the user's last visited channel; no reply. */
  public static final String STORE_USER_LAST_CHANNEL = "chat.internal.store.user.last-channel";
  /** {@code {}} runs one trim now; replies {@code {"ran":bool,"deleted":n}}. */
  public static final String STORE_TRIM = "chat.internal.store.trim";
  /** {@code {}} replies {@code {"ok":true}} when a query succeeds. */
  public static final String STORE_PING = "chat.internal.store.ping";

  /** From HTTP to the chat verticle (validates, rate-limits): {@code {"name"}} replies {@code Channel}. */
  public static final String CHANNEL_CREATE = "chat.internal.channel.create";

  /** To the chat verticle when the node drains: {@code {}} replies {@code {}} once no store is in flight. */
  public static final String CHAT_DRAIN = "chat.internal.drain";

  /** From the bridge guard to the chat verticle: {@code {"channel","user","socket","joined"}}. */
  public static final String PRESENCE_LOCAL = "chat.internal.presence.local";
  /** From the bridge to the chat verticle: {@code {"channel"}} replies the channel's presence event. */
  public static final String PRESENCE_GET = "chat.internal.presence.get";

  // ---- Internal, cluster-wide (published to every node, never bridged).

  /** A node's view of who is in a channel: {@code {"node","channel","users":[User]}}. */
  public static final String PRESENCE_NODE = "chat.internal.presence.node";
  /**
   * The chat verticle of one node, as the writer of the channels it owns: a send validated on
   * another node, {@code {"channel","author":User,"text","clientId"}}, replies the stored {@code Message}.
   */
  public static final String WRITER_PREFIX = "chat.internal.writer.";

  public static String writerOn(String nodeId) {
    return WRITER_PREFIX + nodeId;
  }

  /** A session that ended (sign-out): {@code {"session"}}; every node closes its sockets. */
  public static final String SESSION_ENDED = "chat.internal.session.ended";

  public static String channel(String name) {
    return CHANNEL_PREFIX + name;
  }

  /** The channel name of a {@code chat.channel.<name>} address, or null for any other address. */
  public static String channelOf(String address) {
    if (address == null || !CHANNEL_ADDRESS.matcher(address).matches()) {
      return null;
    }
    return address.substring(CHANNEL_PREFIX.length());
  }
}
