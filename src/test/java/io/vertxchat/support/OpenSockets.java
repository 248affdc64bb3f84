package io.vertxchat.support;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The bridge sockets a test opened, closed after each test:
 * {@code @RegisterExtension final OpenSockets sockets = new OpenSockets();}.
 */
public final class OpenSockets implements AfterEachCallback {
  private final List<BridgeSocket> open = new ArrayList<>();

  /** A new socket of this signed-in client. */
  public BridgeSocket of(ChatClient client) {
    return keep(client.socket());
  }

  /** A new socket of this client, subscribed to {@code address}. */
  public BridgeSocket subscribed(ChatClient client, String address) {
    BridgeSocket socket = of(client);
    socket.subscribe(address);
    return socket;
  }

  public BridgeSocket keep(BridgeSocket socket) {
    open.add(socket);
    return socket;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    open.forEach(BridgeSocket::close);
    open.clear();
  }
}
