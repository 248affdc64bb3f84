package io.vertxchat.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertxchat.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS with mutual authentication on the clustered event bus: each node presents its own
 * certificate ({@code CHAT_CLUSTER_TLS_CERT}, {@code CHAT_CLUSTER_TLS_KEY}) and talks only to peers
 * whose certificate a CA of {@code CHAT_CLUSTER_TLS_CA} signed, in both directions: as the server
 * of the connections it accepts (client certificate required) and as the client of those it opens.
 *
 * <p>The files are read and checked once, at start, so that a wrong file stops the node with one
 * line naming its setting instead of failing every handshake later. Hazelcast's own port is not
 * covered: its open-source edition has no TLS (see docs/operations.md).
 */
public final class BusTls {
  private static final Logger LOG = LoggerFactory.getLogger(BusTls.class);
  private static final String CERT = "CHAT_CLUSTER_TLS_CERT";
  private static final String KEY = "CHAT_CLUSTER_TLS_KEY";
  private static final String CA = "CHAT_CLUSTER_TLS_CA";
  private static final Pattern PKCS8 = Pattern.compile(
    "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private BusTls() {
  }

  /** Whether the cluster settings name TLS files ({@code ChatConfig} has checked that all three come together). */
  public static boolean enabled(JsonObject cluster) {
    return !cluster.getString("tlsCert", "").isEmpty();
  }

  /**
   * {@code bus} with TLS and required client certificates when the cluster settings ask for it,
   * else {@code bus} unchanged.
   *
   * @throws ConfigException naming the setting whose file cannot be used
   */
  public static EventBusOptions apply(EventBusOptions bus, JsonObject cluster) {
    if (!enabled(cluster)) {
      return bus;
    }
    String certPem = read(CERT, cluster.getString("tlsCert"));
    String keyPem = read(KEY, cluster.getString("tlsKey"));
    String caPem = read(CA, cluster.getString("tlsCa"));
    List<X509Certificate> chain = certificates(CERT, certPem);
    X509Certificate own = chain.get(0);
    checkValidNow(own);
    checkKeyMatches(privateKey(keyPem), own);
    List<X509Certificate> authorities = certificates(CA, caPem);
    checkSignedByOneOf(chain.get(chain.size() - 1), authorities);

    bus.setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(certPem)).setKeyValue(Buffer.buffer(keyPem)))
      .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
      // The event bus trusts every server certificate by default (DEFAULT_TRUST_ALL): only the CA's.
      .setTrustAll(false)
      .setClientAuth(ClientAuth.REQUIRED);
    LOG.info("event bus: TLS with client certificates; this node is '{}' (valid until {}), trusting {} CA certificate(s)",
      own.getSubjectX500Principal().getName(), own.getNotAfter().toInstant(), authorities.size());
    return bus;
  }

  private static String read(String setting, String file) {
    try {
      // PEM is ASCII; Latin-1 maps any byte, so a binary (DER) file gets the "not PEM" message below.
      return new String(Files.readAllBytes(Path.of(file)), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new ConfigException(setting + " cannot be read: " + file + " (" + e + ")");
    }
  }

  private static List<X509Certificate> certificates(String setting, String pem) {
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigException(setting + " must be a PEM file of certificates (-----BEGIN CERTIFICATE-----)");
    }
    try {
      List<X509Certificate> certificates = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.ISO_8859_1)))
        .stream()
        .map(X509Certificate.class::cast)
        .toList();
      if (certificates.isEmpty()) {
        throw new ConfigException(setting + " holds no certificate");
      }
      return certificates;
    } catch (CertificateException e) {
      throw new ConfigException(setting + " holds a certificate that cannot be parsed: " + e.getMessage());
    }
  }

  private static void checkValidNow(X509Certificate own) {
    try {
      own.checkValidity(new Date());
    } catch (CertificateException e) {
      throw new ConfigException(CERT + " is not valid now (from " + own.getNotBefore().toInstant() + " until "
        + own.getNotAfter().toInstant() + "): peers would refuse it");
    }
  }

  /** An unencrypted PKCS#8 key, what {@code openssl req -newkey ... -nodes} writes. */
  private static PrivateKey privateKey(String pem) {
    Matcher matcher = PKCS8.matcher(pem);
    if (!matcher.find()) {
      throw new ConfigException(KEY + " must be an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----); "
        + "convert one with: openssl pkcs8 -topk8 -nocrypt -in old.key -out node.key");
    }
    byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
    for (String algorithm : List.of("EC", "RSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException(KEY + " must be an EC or RSA private key");
  }

  /** A key that is not the certificate's would make every handshake fail: sign with one, verify with the other. */
  private static void checkKeyMatches(PrivateKey key, X509Certificate own) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "vertx-chat event bus".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(own.getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new ConfigException(KEY + " is not the private key of the certificate in " + CERT);
    }
  }

  /** Every member trusts the same CAs, so a certificate none of this node's CAs signed would be refused by all. */
  private static void checkSignedByOneOf(X509Certificate top, List<X509Certificate> authorities) {
    for (X509Certificate authority : authorities) {
      try {
        top.verify(authority.getPublicKey());
        return;
      } catch (GeneralSecurityException e) {
        // not this one
      }
    }
    throw new ConfigException(CERT + " is not signed by a CA of " + CA + ": peers would refuse it");
  }
}
