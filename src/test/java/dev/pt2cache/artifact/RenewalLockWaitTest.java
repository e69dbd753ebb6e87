package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.LockWait;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * An upload's renewal of its reservation, on a row that a session holds and never lets go (an
 * instance frozen in the middle of a transaction on it): the renewal gives up after {@code
 * PT2CACHE_DB_LOCK_WAIT} (1 s here) and the upload reads on, where before the read waited as long
 * as the holder, holding the upload's thread and its upload permit.
 */
@TestPropertySource(properties = "pt2cache.database.lock-wait=1s")
class RenewalLockWaitTest extends ServiceTest {

  @Autowired DataSource dataSource;
  @Autowired ArtifactRepository artifacts;
  @Autowired UploadProperties properties;
  @Autowired LockWait lockWait;

  @Test
  void shouldReadOnWhenARenewalWaitedLongForItsRow() throws Exception {
    byte[] bytes = Fixtures.randomBytes(64);
    ApiResponse declared = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes);
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    UUID id = UUID.fromString(declared.json().get("id").asString());
    Artifact pending = artifacts.findById(id).orElseThrow();
    // renewed at the first read 10 ms or more after the body began
    ReservationRenewal renewal = new ReservationRenewal(jdbc, renewedEvery10ms(), lockWait);
    OffsetDateTime reservedUntil = reservedUntil(id);

    try (Connection holder =
        HeldRows.holding(dataSource, "select 1 from artifact where id = ? for update", id)) {
      InputStream body = renewal.whileReading(pending, new ByteArrayInputStream(bytes));
      TimeUnit.MILLISECONDS.sleep(50);
      CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> readSome(body));
      assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(bytes.length);
      holder.rollback();
    }
    assertThat(reservedUntil(id)).as("not renewed: it gave up").isEqualTo(reservedUntil);
  }

  private UploadProperties renewedEvery10ms() {
    return new UploadProperties(
        properties.maxArtifactSize(),
        properties.maxEntrySize(),
        Duration.ofMillis(40),
        properties.maxConcurrentSpools(),
        properties.inFlightLease(),
        properties.spoolDisk());
  }

  private OffsetDateTime reservedUntil(UUID id) {
    return jdbc.sql("select upload_expires_at from artifact where id = ?")
        .param(id)
        .query(OffsetDateTime.class)
        .single();
  }

  private static int readSome(InputStream body) {
    try {
      return body.read(new byte[1024]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
