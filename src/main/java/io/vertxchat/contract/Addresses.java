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

  // ---- Inbound: browser to server, through the bridge. The guard hands the chat verticle an
  // ---- {@link Inbound} record with the session user; what the browser sent never carries identity.

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
  /**
   * {@code {"q","offset"?,"limit"?}} replies {@code {"results":[{"message":Message,"snippet":[{"text","match"}],"rank"}],"offset","more"}}:
   * full-text search over the channels the user may read.
   */
  public static final String SEARCH = "chat.search";
  /**
   * {@code {"id","emoji"}} toggles the session user's reaction and replies the updated
   * {@code Message}; anyone who may read the channel; 400 not one emoji, 404 no such (or deleted,
   * or unreadable) message, 409 over a limit of {@link Emoji}, 429.
   */
  public static final String REACT = "chat.react";

  /**
   * {@code {"channel","seq"}} replies {@code {"channel","seq"}}: the session user has read the
   * channel up to event {@code seq} (moves forward only; every browser of theirs is told).
   */
  public static final String READ = "chat.read";

  /** The inbound addresses, as one regex for the bridge. */
  public static final String INBOUND_REGEX = "chat\\.(send|edit|delete|history|typing|read|search|react)";

  // ---- Outbound: server to browser.

  /** Prefix of a channel's event stream; events are {@code {"type": message|edit|reaction|delete|presence|typing}}. */
  public static final String CHANNEL_PREFIX = "chat.channel.";
  /**
   * The session user's own stream (any signed-in socket may register it; each gets only its own
   * user's events): {@code {"type": channel|removed|read|activity}}, see the README.
   */
  public static final String USER_STREAM = "chat.me";
  /** Admin-only stream of per-node {@code monitor.stats} snapshots. */
  public static final String MONITOR_STATS = "monitor.stats";

  /** Channel names, as in the contract. */
  public static final String CHANNEL_NAME_REGEX = "[a-z0-9][a-z0-9_-]{0,49}";
  public static final Pattern CHANNEL_NAME = Pattern.compile(CHANNEL_NAME_REGEX);
  public static final String CHANNEL_ADDRESS_REGEX = "chat\\.channel\\." + CHANNEL_NAME_REGEX;
  private static final Pattern CHANNEL_ADDRESS = Pattern.compile(CHANNEL_ADDRESS_REGEX);

  // ---- Internal, local to a node. Bodies marked "record" travel by reference ({@link LocalCodec}).

  /** From HTTP and the bridge to the chat verticle, inbound requests are {@link Inbound} records. */

  /** Bridge to chat: a {@link Membership.Join}; replies the channel's presence event, fails 404. */
  public static final String JOIN = "chat.internal.join";
  /** Bridge to chat: a {@link Membership.Leave}; no reply. */
  public static final String LEAVE = "chat.internal.leave";
  /** HTTP to chat: {@link Inbound} with {@code {"name"}}, replies {@code Channel}; 400, 409, 429. */
  public static final String CHANNEL_CREATE = "chat.internal.channel.create";
  /** HTTP to chat: {@link Inbound}, replies {@code {"channels":[Channel]}} from the channel directory. */
  public static final String CHANNELS = "chat.internal.channels";
  /** HTTP to chat: {@link Inbound} with {@code {"with":[user id]}}, replies the direct {@code Channel}. */
  public static final String DIRECT_OPEN = "chat.internal.direct.open";
  /** HTTP to chat: {@link Inbound} with {@code {"channel"}}, replies {@code {"members":[User]}}; members only. */
  public static final String MEMBERS = "chat.internal.members";
  /** HTTP to chat: {@link Inbound} with {@code {"channel","user"?,"name"?}}, replies {@code {"members":[User]}}. */
  public static final String MEMBER_ADD = "chat.internal.member.add";
  /** HTTP to chat: {@link Inbound} with {@code {"channel","user"}} (oneself: leave), replies {@code {}}. */
  public static final String MEMBER_REMOVE = "chat.internal.member.remove";
  /** HTTP to chat: {@link Inbound}, replies {@code {"channels":{name:{"seq","readSeq","unread"}}}}. */
  public static final String UNREAD = "chat.internal.unread";
  /** HTTP to chat: {@link Inbound} with {@code {"q"}}, replies {@code {"users":[User]}} (name prefix). */
  public static final String USERS = "chat.internal.users";
  /** HTTP to chat: {@link Inbound}, replies the session user's {@code User} with {@code lastChannel}. */
  public static final String ME = "chat.internal.me";
  /** HTTP (sign-in) to chat: a provider profile {@code {"provider","subject","name","avatarUrl","profileUrl","email"}}, replies {@code User}. */
  public static final String SIGN_IN = "chat.internal.sign-in";
  /** To the chat verticle when the node drains: {@code {}} replies {@code {}} once no store is in flight. */
  public static final String CHAT_DRAIN = "chat.internal.drain";

  /**
   * {@code {"channel","before"?,"after"?,"limit"}} replies {@code {"messages":[Message],"seq"}};
   * {@code {"channel","afterSeq","limit"}} replies {@code {"events":[event],"seq","more"}}.
   */
  public static final String STORE_HISTORY = "chat.internal.store.history";
  /**
   * {@code {"channels":[name],"q","offset","limit"}} (the readable channels, a validated query)
   * replies {@code {"results":[...],"offset","more"}} as {@link #SEARCH}.
   */
  public static final String STORE_SEARCH = "chat.internal.store.search";
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
  /** {@code {"users":[{"id","channel"}]}}: remembers last visited channels, one statement; replies {@code {"updated":n}}. */
  public static final String STORE_LAST_CHANNELS = "chat.internal.store.user.last-channels";
  /** {@code {}} runs one trim now; replies {@code {"ran":bool,"deleted":n}}. */
  public static final String STORE_TRIM = "chat.internal.store.trim";
  /** {@code {}} replies {@code {"ok":true}} when a query succeeds. */
  public static final String STORE_PING = "chat.internal.store.ping";

  // ---- Internal, cluster-wide (never bridged).

  /** A node's view of who is in a channel, published: {@code {"node","channel","users":[User]}}. */
  public static final String PRESENCE_NODE = "chat.internal.presence.node";
  /** A channel was created, published to every node's channel directory: {@code Channel}. */
  public static final String CHANNEL_CREATED = "chat.internal.channel.created";
  /**
   * The chat verticle of one node, as the writer of the channels it owns: a send validated on
   * another node, {@code {"channel","author":User,"text","dedupKey","mentions"?}}, replies the stored {@code Message}.
   */
  public static final String WRITER_PREFIX = "chat.internal.writer.";
  /**
   * A node's bridge asks, on its own node, that the owner of a channel publish a marker on the
   * channel's address: {@code {"channel","token"}}; the owner publishes the token (a String) on
   * {@code chat.channel.<name>}, which fan-outs take as "the owner's events reach me" and never
   * deliver to sockets.
   */
  public static final String CHANNEL_SYNC = "chat.internal.channel.sync";

  /**
   * A private channel's members changed, published to every node's channel directory and bridge:
   * {@code {"channel","version","members":[id],"removed":[id]}}; removed people's sockets stop
   * receiving the channel at once.
   */
  public static final String CHANNEL_MEMBERS = "chat.internal.channel.members";
  /**
   * Events for some people's {@link #USER_STREAM}, published to every node's bridge:
   * {@code {"to":[user id] or null for everybody,"event"}}.
   */
  public static final String USER_EVENTS = "chat.internal.user-events";
  /**
   * The same, from this node's channel directory to this node's bridges only: channels that
   * appeared for people or went away, told once the directory here knows.
   */
  public static final String USER_EVENTS_HERE = "chat.internal.user-events.here";
  /**
   * What was stored lately, for unread counts elsewhere, published by each owner at most a few
   * times a second: {@code {"events":[{"channel","seq","author","mentions":[id],"members":[id]?}]}}
   * ({@code members} for private and direct channels: only they are told).
   */
  public static final String ACTIVITY = "chat.internal.activity";
  /** A session that ended (sign-out), published: {@code {"session"}}; every node closes its sockets. */
  public static final String SESSION_ENDED = "chat.internal.session.ended";

  /** Every fixed address (not channel, writer or reply addresses), e.g. for bounded metric labels. */
  public static final java.util.Set<String> FIXED = java.util.Set.of(
    SEND, EDIT, DELETE, HISTORY, TYPING, READ, SEARCH, REACT, USER_STREAM, MONITOR_STATS, STORE_SEARCH,
    JOIN, LEAVE, CHANNEL_CREATE, CHANNELS, ME, SIGN_IN, CHAT_DRAIN,
    DIRECT_OPEN, MEMBERS, MEMBER_ADD, MEMBER_REMOVE, UNREAD, USERS, CHANNEL_MEMBERS, USER_EVENTS, USER_EVENTS_HERE, ACTIVITY,
    STORE_HISTORY, STORE_CHANNELS, STORE_CHANNEL_GET,
    STORE_CHANNEL_CREATE, STORE_USER_UPSERT, STORE_USER_GET, STORE_LAST_CHANNELS, STORE_TRIM, STORE_PING,
    PRESENCE_NODE, CHANNEL_CREATED, SESSION_ENDED);

  public static String writerOn(String nodeId) {
    return WRITER_PREFIX + nodeId;
  }

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
