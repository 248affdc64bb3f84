package io.vertxchat.ops;

import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * Vert.x metrics options of a node: event bus, HTTP server (SockJS sockets are its WebSocket
 * connections), the SQL client pool, named pools and JVM figures, all into the node's own
 * registry. Labels are bounded: HTTP by route pattern (never raw path), event-bus addresses
 * through {@link AddressLabels}.
 */
public final class MetricsSetup {
  private MetricsSetup() {
  }

  public static MicrometerMetricsOptions options(NodeStats stats) {
    return new MicrometerMetricsOptions()
      .setEnabled(true)
      .setRegistryName(stats.registryName())
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .addLabels(Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE, Label.HTTP_METHOD, Label.HTTP_CODE,
        Label.HTTP_ROUTE, Label.POOL_TYPE, Label.POOL_NAME, Label.CLIENT_NAME, Label.NAMESPACE);
  }

  public static VertxMetricsFactory factory(NodeStats stats) {
    return new MicrometerMetricsFactory(stats.registry());
  }
}
