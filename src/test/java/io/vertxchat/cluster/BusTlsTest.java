package io.vertxchat.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertxchat.config.ConfigException;
import io.vertxchat.support.TestCerts;
import io.vertxchat.support.TestCerts.NodeCert;
import io.vertxchat.testkit.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files an operator gives a node for event-bus TLS, checked at start (certificates made with openssl). */
@Timeout(30)
class BusTlsTest {
  @TempDir
  static Path dir;
  private static TestCerts cluster;
  private static TestCerts foreign;
  private static NodeCert node;

  @BeforeAll
  static void certificates() {
    cluster = TestCerts.authority(dir, "cluster");
    foreign = TestCerts.authority(dir, "foreign");
    node = cluster.node("node-1");
  }

  private static JsonObject settings(Path cert, Path key, Path ca) {
    return new JsonObject().put("tlsCert", cert.toString()).put("tlsKey", key.toString()).put("tlsCa", ca.toString());
  }

  private static void assertRefused(String expected, JsonObject settings) {
    ConfigException e = assertThrows(ConfigException.class, () -> BusTls.apply(new EventBusOptions(), settings));
    assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should say " + expected);
    assertFalse(e.getMessage().contains("\n"), "one line");
  }

  @Test
  void without_files_the_bus_stays_as_it_was() {
    EventBusOptions bus = new EventBusOptions();
    assertSame(bus, BusTls.apply(bus, new JsonObject().put("tlsCert", "").put("tlsKey", "").put("tlsCa", "")));
    assertFalse(bus.isSsl());
  }

  @Test
  void a_node_certificate_of_the_cluster_ca_turns_on_tls_with_client_certificates_required() {
    EventBusOptions bus = BusTls.apply(new EventBusOptions(), settings(node.cert(), node.key(), cluster.caFile()));
    assertTrue(bus.isSsl());
    assertEquals(ClientAuth.REQUIRED, bus.getClientAuth());
    assertInstanceOf(PemKeyCertOptions.class, bus.getKeyCertOptions());
    assertInstanceOf(PemTrustOptions.class, bus.getTrustOptions());
    assertFalse(bus.isTrustAll());
  }

  @Test
  void a_ca_bundle_trusts_the_certificates_of_each_of_its_authorities() {
    TestCerts next = TestCerts.authority(dir, "next");
    Path bundle = TestCerts.bundle(dir.resolve("bundle.pem"), cluster, next);
    NodeCert renewed = next.node("node-2");
    assertTrue(BusTls.apply(new EventBusOptions(), settings(node.cert(), node.key(), bundle)).isSsl());
    assertTrue(BusTls.apply(new EventBusOptions(), settings(renewed.cert(), renewed.key(), bundle)).isSsl());
  }

  @Test
  void a_certificate_no_trusted_ca_signed_is_refused_at_start() {
    NodeCert stranger = foreign.node("stranger");
    assertRefused("CHAT_CLUSTER_TLS_CERT is not signed by a CA of CHAT_CLUSTER_TLS_CA",
      settings(stranger.cert(), stranger.key(), cluster.caFile()));
  }

  @Test
  void a_key_that_is_not_the_certificates_is_refused_at_start() {
    NodeCert other = cluster.node("node-3");
    assertRefused("CHAT_CLUSTER_TLS_KEY is not the private key of the certificate",
      settings(node.cert(), other.key(), cluster.caFile()));
  }

  @Test
  void files_that_are_not_pem_are_named() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    assertRefused("CHAT_CLUSTER_TLS_CERT must be a PEM file", settings(garbage, node.key(), cluster.caFile()));
    assertRefused("CHAT_CLUSTER_TLS_CA must be a PEM file", settings(node.cert(), node.key(), garbage));
    assertRefused("CHAT_CLUSTER_TLS_KEY must be an unencrypted PKCS#8 PEM key",
      settings(node.cert(), node.cert(), cluster.caFile()));
    assertRefused("CHAT_CLUSTER_TLS_KEY cannot be read",
      settings(node.cert(), dir.resolve("gone.key"), cluster.caFile()));
  }

  @Test
  void an_expired_certificate_is_refused_at_start() {
    NodeCert expiring = cluster.node("node-4", 0);
    Vertx vertx = Vertx.vertx();
    try {
      // Made with zero days, it expires within the second it was made.
      Await.until(vertx, 3_000, "the certificate expires", () -> {
        try {
          BusTls.apply(new EventBusOptions(), settings(expiring.cert(), expiring.key(), cluster.caFile()));
          return false;
        } catch (ConfigException e) {
          assertTrue(e.getMessage().startsWith("CHAT_CLUSTER_TLS_CERT is not valid now"), e.getMessage());
          return true;
        }
      });
    } finally {
      vertx.close();
    }
  }
}
