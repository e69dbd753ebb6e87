package dev.pt2cache.system;

import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Refuses to start on a PostgreSQL older than the service supports, or on a new database whose
 * encoding is not UTF8, before any migration runs (docs/adr/0031). Without it, such a server would
 * fail somewhere later and in other words: a migration's statement half-way through the schema, or
 * a query the first time it runs. A server newer than the newest the build is tested on starts,
 * with a warning.
 */
@Configuration(proxyBeanMethods = false)
class PostgresVersionCheck {

  /** The oldest major the whole test suite passes on unchanged, and CI runs on (pom.xml). */
  static final int OLDEST_SUPPORTED = 13;

  /** The newest major the whole test suite was run on. */
  static final int NEWEST_TESTED = 18;

  private static final Logger log = LoggerFactory.getLogger(PostgresVersionCheck.class);

  @Bean
  FlywayMigrationStrategy migrateOnASupportedPostgres() {
    return flyway -> {
      DataSource database = flyway.getConfiguration().getDataSource();
      check(serverVersion(database));
      // Flyway's history read once: what was applied, and what is pending
      MigrationInfoService history = flyway.info();
      checkEncoding(encoding(database), history.applied().length == 0);
      migrate(flyway, history.pending());
    };
  }

  /**
   * Migrates, its statements waiting for PostgreSQL's answers as the start's other statements do
   * ({@link StartAnswerWait}) where no migration is pending: Flyway then only reads its history and
   * takes and lets go of its lock, a request's size. A pending migration's statements wait without
   * a bound: an index built {@code CONCURRENTLY} (V9, V13, V15, V19) rightly works for minutes on a
   * large table, sending nothing meanwhile, and waits for every transaction older than it
   * (docs/adr/0026), which no read timeout can tell from a PostgreSQL gone silent; the log says so
   * before it begins (docs/adr/0039).
   */
  static void migrate(Flyway flyway) {
    migrate(flyway, flyway.info().pending());
  }

  private static void migrate(Flyway flyway, MigrationInfo[] pending) {
    if (pending.length == 0) {
      flyway.migrate();
      return;
    }
    log.info(
        "start: {} migration(s) pending, from version {}: their statements wait for PostgreSQL's"
            + " answers without PT2CACHE_DB_ANSWER_WAIT's bound (an index built CONCURRENTLY may"
            + " rightly take minutes; docs/adr/0026)",
        pending.length,
        pending[0].getVersion());
    AnswerWait.bounded(
        Duration.ZERO,
        () -> {
          flyway.migrate();
          return null;
        });
  }

  /** {@code server_version_num}: 170006 for 17.6, 120022 for 12.22. */
  static int serverVersion(DataSource dataSource) {
    return JdbcClient.create(dataSource)
        .sql("select current_setting('server_version_num')::int")
        .query(Integer.class)
        .single();
  }

  /**
   * The encoding the database was created with: {@code UTF8}, {@code SQL_ASCII}, {@code LATIN1}...
   */
  static String encoding(DataSource dataSource) {
    return JdbcClient.create(dataSource)
        .sql(
            "select pg_encoding_to_char(encoding) from pg_database where datname = current_database()")
        .query(String.class)
        .single();
  }

  /**
   * Throws when a database not yet migrated ({@code fresh}) is not {@code UTF8}; warns when one
   * already in use is not. The service keeps names, descriptors and reasons as text of any script:
   * {@code SQL_ASCII} stores it unchecked and counts a column's limit in bytes, so a name within
   * the contract's 200 characters may overflow its column, and {@code LATIN1} and the like refuse
   * what lies outside their alphabet. A deployment already on such a database keeps starting, as it
   * did before this check: moving it is a dump and a restore, the operator's call.
   */
  static void checkEncoding(String encoding, boolean fresh) {
    if ("UTF8".equals(encoding)) {
      return;
    }
    if (fresh) {
      throw new StartRefusedException(
          ("PT2CACHE_DB_URL points at a database created with encoding %s; the service keeps"
                  + " names, descriptors and reasons of any script and needs UTF8 (%s counts a"
                  + " column's limit in bytes or refuses characters outside its alphabet)."
                  + " Nothing was migrated.")
              .formatted(encoding, encoding),
          "Create the database with ENCODING 'UTF8' (CREATE DATABASE pt2cache ENCODING 'UTF8'"
              + " TEMPLATE template0, with LC_COLLATE and LC_CTYPE 'C' or a UTF-8 locale) and"
              + " point PT2CACHE_DB_URL at it.");
    }
    log.warn(
        "the database's encoding is {}, not UTF8: a name, descriptor or reason in another script"
            + " may be refused (400) or overflow its column (500); move the data to a database"
            + " created with ENCODING 'UTF8' (pg_dump, then restore into it)",
        encoding);
  }

  /** Throws when {@code versionNum} is older than supported; warns when newer than tested. */
  static void check(int versionNum) {
    int major = versionNum / 10000;
    String version = major + "." + versionNum % 10000;
    if (major < OLDEST_SUPPORTED) {
      throw new StartRefusedException(
          ("PT2CACHE_DB_URL points at PostgreSQL %s, which this service does not support: it needs"
                  + " PostgreSQL %d or newer (tested on %d to %d; the README's Requirements say"
                  + " why). Nothing was migrated.")
              .formatted(version, OLDEST_SUPPORTED, OLDEST_SUPPORTED, NEWEST_TESTED),
          "Upgrade the database, or point PT2CACHE_DB_URL at one that is.");
    }
    if (major > NEWEST_TESTED) {
      log.warn(
          "PostgreSQL {} is newer than the newest this build is tested on ({}); starting on it",
          version,
          NEWEST_TESTED);
    }
  }
}
