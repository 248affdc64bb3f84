package io.vertxchat.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and the certificates it signs, made at test time with the {@code openssl}
 * command line (Debian's {@code openssl} package; {@code scripts/test.sh} installs it) in a
 * directory of the test's own: no key is ever kept in the repository. The commands are the ones
 * {@code docs/operations.md} gives operators (EC P-256 keys, PEM files).
 */
public final class TestCerts {
  private final Path dir;
  private final String name;
  private final Path caCert;
  private final Path caKey;

  private TestCerts(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    this.caCert = dir.resolve(name + "-ca.pem");
    this.caKey = dir.resolve(name + "-ca.key");
  }

  /** A node's certificate (signed by this authority) and its private key. */
  public record NodeCert(Path cert, Path key) {
  }

  /** A new self-signed authority named {@code name}, its files in {@code dir}. */
  public static TestCerts authority(Path dir, String name) {
    TestCerts ca = new TestCerts(dir, name);
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", ca.caKey.toString(), "-out", ca.caCert.toString(), "-days", "2", "-subj", "/CN=" + name + " CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    return ca;
  }

  /** The authority's own certificate: what a member trusts. */
  public Path caFile() {
    return caCert;
  }

  /** A node certificate for {@code node}, valid for 127.0.0.1 and localhost, as server and as client. */
  public NodeCert node(String node) {
    return node(node, 2);
  }

  /** The same, valid for {@code days} days from now (0: it expires at once, within a second). */
  public NodeCert node(String node, int days) {
    Path key = dir.resolve(name + "-" + node + ".key");
    Path csr = dir.resolve(name + "-" + node + ".csr");
    Path cert = dir.resolve(name + "-" + node + ".pem");
    Path ext = dir.resolve(name + "-" + node + ".ext");
    write(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
      + "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + node);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
      "-CAcreateserial", "-days", String.valueOf(days), "-extfile", ext.toString(), "-out", cert.toString());
    return new NodeCert(cert, key);
  }

  /** One PEM file holding several authorities' certificates: a trust list during a CA change. */
  public static Path bundle(Path file, TestCerts... authorities) {
    StringBuilder pem = new StringBuilder();
    try {
      for (TestCerts ca : authorities) {
        pem.append(Files.readString(ca.caCert));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    write(file, pem.toString());
    return file;
  }

  /** The settings that make a node use {@code cert} on the event bus and trust {@code ca}. */
  public static Map<String, String> env(NodeCert cert, Path ca) {
    Map<String, String> env = new HashMap<>();
    env.put("CHAT_CLUSTER_TLS_CERT", cert.cert().toString());
    env.put("CHAT_CLUSTER_TLS_KEY", cert.key().toString());
    env.put("CHAT_CLUSTER_TLS_CA", ca.toString());
    return env;
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("openssl is needed for the TLS tests (apt-get install -y openssl; "
        + "scripts/test.sh does it): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
