package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * A second embedded default started on the data directory of one that runs (two terminals, one
 * {@code -Dpt2cache.data}) must leave the first one's PostgreSQL alone. Before: it printed
 * "stopping PostgreSQL ..., left running ... by an instance that was killed", stopped it (the
 * running instance's readiness said {@code db} DOWN), and then failed itself with "could not lock
 * .../epg-lock".
 */
class LeftPostmasterTest {

  @Test
  void shouldRefuseToStopThePostgresqlOfAnInstanceThatRuns() throws Exception {
    Path directory = Files.createTempDirectory("pt2cache-held-");
    Path pgData = directory.resolve("postgres");
    try (EmbeddedPostgres running =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(true)
            .setRegisterShutdownHook(false)
            .start()) {

      assertThatThrownBy(() -> LeftPostmaster.stop(pgData))
          .hasMessageContaining("another embedded default runs on " + directory)
          .hasMessageContaining("-Dpt2cache.data");

      try (Connection still = running.getPostgresDatabase().getConnection()) {
        assertThat(still.isValid(5)).as("the running instance's PostgreSQL answers").isTrue();
      }
    }
  }
}
