package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.TestInfra;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A PostgreSQL older than the service supports is refused at start, by its version, before any
 * migration runs; the supported majors start (the whole suite runs on one of them, and the build
 * runs the database-heavy tests again on the oldest: pom.xml, profile postgres-oldest).
 */
class PostgresVersionCheckTest {

  /** A jar of the binaries of a major the service does not support (pom.xml copies it). */
  private static final String UNSUPPORTED = "pt2cache.test.postgres-unsupported";

  @Test
  void shouldRefuseToStartOnAnOlderPostgresBeforeMigratingAnything() throws Exception {
    String jar = System.getProperty(UNSUPPORTED, "");
    assertThat(jar)
        .as("%s: run through Maven, which copies the binaries (pom.xml)", UNSUPPORTED)
        .isNotBlank();
    assertThat(Path.of(jar)).exists();
    try (EmbeddedPostgres older =
        EmbeddedPostgres.builder()
            .setPgBinaryResolver(EmbeddedInfra.binariesIn(Path.of(jar)))
            .setDataDirectory(Files.createTempDirectory("pt2cache-older-postgres-"))
            .setCleanDataDirectory(true)
            .start()) {
      DataSource database = older.getPostgresDatabase();
      int version = PostgresVersionCheck.serverVersion(database);
      assertThat(version / 10000).isLessThan(PostgresVersionCheck.OLDEST_SUPPORTED);

      assertThatThrownBy(() -> start(older.getJdbcUrl("postgres", "postgres")))
          .rootCause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "PT2CACHE_DB_URL points at PostgreSQL %d.%d,"
                  .formatted(version / 10000, version % 10000))
          .hasMessageContaining(
              "PostgreSQL %d or newer".formatted(PostgresVersionCheck.OLDEST_SUPPORTED));
      assertThat(
              JdbcClient.create(database)
                  .sql("select to_regclass('flyway_schema_history') is null")
                  .query(Boolean.class)
                  .single())
          .as("nothing migrated")
          .isTrue();
    }
  }

  @Test
  void shouldStartOnTheSupportedMajorsAndOnNewerOnes() {
    for (int versionNum : new int[] {130023, 140025, 170006, 180007, 190001}) {
      assertThatCode(() -> PostgresVersionCheck.check(versionNum))
          .as("%d", versionNum)
          .doesNotThrowAnyException();
    }
    assertThatThrownBy(() -> PostgresVersionCheck.check(120022))
        .hasMessageStartingWith("PT2CACHE_DB_URL points at PostgreSQL 12.22,")
        .hasMessageContaining("tested on 13 to 18");
  }

  /**
   * A new database created as SQL_ASCII (PostgreSQL's default where initdb ran under {@code
   * LANG=C}) is refused before anything is migrated, naming its encoding; a column's limit there is
   * counted in bytes, so text within the contract's limits overflowed it.
   */
  @Test
  void shouldRefuseToMigrateANewDatabaseThatIsNotUtf8() throws Exception {
    String name = "ascii_" + UUID.randomUUID().toString().substring(0, 8);
    String url =
        TestInfra.createDatabase(
            name, "encoding 'SQL_ASCII' template template0 lc_collate 'C' lc_ctype 'C'");
    try (Connection ascii =
        DriverManager.getConnection(
            url,
            TestInfra.serviceEnvironment().get("PT2CACHE_DB_USER"),
            TestInfra.serviceEnvironment().get("PT2CACHE_DB_PASSWORD"))) {
      ascii.createStatement().execute("create temporary table probe (v varchar(1))");
      assertThatThrownBy(() -> ascii.createStatement().execute("insert into probe values ('é')"))
          .as("one character, two bytes, over a column of one")
          .hasMessageContaining("too long");

      assertThatThrownBy(() -> start(url))
          .rootCause()
          .hasMessageContaining("created with encoding SQL_ASCII")
          .hasMessageContaining("needs UTF8");
      try (ResultSet migrated =
          ascii.createStatement().executeQuery("select to_regclass('flyway_schema_history')")) {
        migrated.next();
        assertThat(migrated.getString(1)).as("nothing migrated").isNull();
      }
    } finally {
      TestInfra.dropDatabase(name);
    }
  }

  @Test
  void shouldRefuseANewDatabaseNotUtf8AndOnlyWarnForOneInUse() {
    assertThatCode(() -> PostgresVersionCheck.checkEncoding("UTF8", true))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> PostgresVersionCheck.checkEncoding("LATIN1", true))
        .hasMessageContaining("created with encoding LATIN1");
    assertThatCode(() -> PostgresVersionCheck.checkEncoding("LATIN1", false))
        .as("a deployment already on it keeps starting")
        .doesNotThrowAnyException();
  }

  private static void start(String jdbcUrl) {
    Map<String, Object> properties = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    properties.put("PT2CACHE_PORT", "0");
    properties.put("PT2CACHE_DB_URL", jdbcUrl);
    // a bucket of its own: the shared one is another deployment's (docs/adr/0021)
    properties.put("PT2CACHE_S3_BUCKET", "older-" + UUID.randomUUID().toString().substring(0, 8));
    properties.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    new SpringApplicationBuilder(Pt2CacheApplication.class).properties(properties).run().close();
  }
}
