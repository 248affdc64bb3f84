package io.vertxchat.http.bridge;

import io.vertxchat.ops.NodeStats;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Flushes each socket written during an event-loop turn once, when the turn's queued work is done:
 * messages that arrive together cost one syscall per socket, not one per message. One per HTTP
 * verticle instance (its sockets share its event loop).
 */
final class TurnFlusher {
  private final List<WebSocketBridgeSocket> touched = new ArrayList<>();
  private final NodeStats stats;
  private boolean scheduled;

  TurnFlusher(NodeStats stats) {
    this.stats = stats;
  }

  /** Marks a socket written; schedules the flush on its event loop, behind the work already queued. */
  void touched(WebSocketBridgeSocket socket, Executor loop) {
    if (!socket.flushPending) {
      socket.flushPending = true;
      touched.add(socket);
    }
    if (!scheduled) {
      scheduled = true;
      loop.execute(this::flushAll);
    }
  }

  private void flushAll() {
    scheduled = false;
    for (WebSocketBridgeSocket socket : touched) {
      socket.flushPending = false;
      socket.flushNow();
    }
    stats.bridgeFlushes(touched.size());
    touched.clear();
  }
}
