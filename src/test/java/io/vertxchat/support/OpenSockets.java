package io.vertxchat.support;

import io.vertxchat.testkit.BridgeClient;
import io.vertxchat.testkit.ChatClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The bridge sockets a test opened, closed after each test:
 * {@code @RegisterExtension final OpenSockets sockets = new OpenSockets();}.
 */
public final class OpenSockets implements AfterEachCallback {
  private final List<BridgeClient> open = new ArrayList<>();

  /** A new socket of this signed-in client. */
  public BridgeClient of(ChatClient client) {
    return keep(client.socket());
  }

  /** A new socket of this client, subscribed to {@code address}. */
  public BridgeClient subscribed(ChatClient client, String address) {
    BridgeClient socket = of(client);
    socket.subscribe(address);
    return socket;
  }

  public BridgeClient keep(BridgeClient socket) {
    open.add(socket);
    return socket;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    open.forEach(BridgeClient::close);
    open.clear();
  }
}
