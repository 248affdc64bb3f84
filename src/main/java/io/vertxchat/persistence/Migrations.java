package io.vertxchat.persistence;

import io.vertx.pgclient.PgConnectOptions;
import io.vertxchat.config.PgUrl;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema in {@code db/migration} with Flyway. Blocking (JDBC): call it off
 * the event loop, before the persistence verticle takes traffic. Concurrent nodes are safe:
 * Flyway serialises migrations with a database lock.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {
  }

  public static void migrate(String pgUrl) {
    PgConnectOptions options = PgUrl.parse(pgUrl);
    MigrateResult result = Flyway.configure()
      .dataSource(PgUrl.jdbcUrl(options), options.getUser(), options.getPassword())
      .locations("classpath:db/migration")
      .connectRetries(5)
      .load()
      .migrate();
    LOG.info("schema migrated: {} migration(s) applied, now at version {}", result.migrationsExecuted,
      result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion);
  }
}
