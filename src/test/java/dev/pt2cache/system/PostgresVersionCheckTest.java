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
