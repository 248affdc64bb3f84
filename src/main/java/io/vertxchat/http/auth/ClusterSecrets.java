package io.vertxchat.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets every node must share for sessions to work without sticky routing: the CSRF signing
 * secret and the dev sign-in provider's keys. The first node generates them and stores them in
 * the cluster-wide map; later nodes read the same values. Nothing secret is ever in the repository.
 */
public final class ClusterSecrets {
  private static final String MAP = "chat.secrets";
  private static final String KEY = "v1";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ClusterSecrets() {
  }

  /** {@code {"csrf","devClientSecret","devPrivateKey","devPublicKey"}} (keys as base64 DER). */
  public static Future<JsonObject> obtain(Vertx vertx) {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(MAP)
      .compose(map -> map.get(KEY).compose(existing -> existing != null
        ? Future.succeededFuture(existing)
        : vertx.executeBlocking(ClusterSecrets::generate).compose(fresh -> putIfAbsent(map, fresh))));
  }

  private static Future<JsonObject> putIfAbsent(AsyncMap<String, JsonObject> map, JsonObject fresh) {
    return map.putIfAbsent(KEY, fresh).map(previous -> previous != null ? previous : fresh);
  }

  private static JsonObject generate() throws NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    Base64.Encoder b64 = Base64.getEncoder();
    return new JsonObject()
      .put("csrf", randomToken(32))
      .put("devClientSecret", randomToken(32))
      .put("devPrivateKey", b64.encodeToString(keys.getPrivate().getEncoded()))
      .put("devPublicKey", b64.encodeToString(keys.getPublic().getEncoded()));
  }

  /** A URL-safe random token of {@code bytes} random bytes. */
  public static String randomToken(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
