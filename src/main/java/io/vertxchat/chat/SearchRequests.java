package io.vertxchat.chat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertxchat.contract.Addresses;
import io.vertxchat.ops.NodeStats;

import java.time.Duration;

/**
 * {@code chat.search}: validates the query ({@link SearchRules}), spends one token of the user's
 * search budget (across the cluster), and asks storage to search exactly the channels the
 * {@link ChannelDirectory} says this user may read, passed as one array parameter.
 */
final class SearchRequests {
  /** Per user, across the cluster: a burst of 10 searches, then one a second. */
  static final int BURST = 10;
  static final int PER_SECOND = 1;
  private static final DeliveryOptions STORE = new DeliveryOptions().setSendTimeout(5_000);

  private final Vertx vertx;
  private final ChannelDirectory directory;
  private final NodeStats stats;
  private final Limiter limiter;

  SearchRequests(Vertx vertx, ChannelDirectory directory, NodeStats stats) {
    this.vertx = vertx;
    this.directory = directory;
    this.stats = stats;
    this.limiter = ClusterRateLimiter.forNode(vertx, "search", BURST, PER_SECOND, Duration.ofSeconds(1), BURST / 4);
  }

  /** Checks the body (400s are thrown at once), then searches; the future is the reply. */
  Future<JsonObject> search(JsonObject user, Object received) {
    JsonObject body = MessageRules.body(received);
    JsonObject request = new JsonObject()
      .put("q", SearchRules.query(body))
      .put("offset", SearchRules.offset(body))
      .put("limit", SearchRules.limit(body));
    long userId = user.getLong("id");
    return limiter.acquire(userId, "searches")
      .onFailure(e -> stats.rateLimited("search"))
      .compose(v -> {
        request.put("channels", new JsonArray(directory.readableNames(userId)));
        return vertx.eventBus().<JsonObject>request(Addresses.STORE_SEARCH, request, STORE);
      })
      .map(Message::body);
  }

  void forgetIdle() {
    limiter.forgetIdle();
  }
}
