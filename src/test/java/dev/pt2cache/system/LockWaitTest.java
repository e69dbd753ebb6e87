package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.HeldRows;
import dev.pt2cache.support.ServiceTest;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A lock the service needs, held by a session that does not end (an instance frozen or cut off in
 * the middle of a commit, an operator's transaction left open): a request waits for it at most
 * {@code PT2CACHE_DB_LOCK_WAIT}, then is told to try again. Measured before by hand, with a psql
 * session holding a namespace's rules lock (as a blocking invalidation does while it records its
 * rule) for 60 s: 20 entry {@code PUT}s waited for it, past the clients' 50 s, holding every pooled
 * connection, and the next entry {@code GET}, which needs no lock, was {@code 503
 * database-unavailable} after 5 s while readiness said up: one held lock took the instance's reads
 * down too.
 */
@TestPropertySource(properties = "pt2cache.database.lock-wait=1s")
class LockWaitTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldAnswerAnUploadThatWaitedLongForALockAsBusy() throws Exception {
    byte[] entry = "waits for the rules".getBytes(StandardCharsets.UTF_8);
    try (Connection holder =
        HeldRows.holding(
            dataSource, "select pg_advisory_xact_lock(hashtextextended(?, 0))", "rules:" + ns)) {

      // an answer, not the wait for a holder that never lets go (bounded here for the test)
      ApiResponse waited =
          api.send(
              api.request(path("/entries/fx-graph/waits"))
                  .timeout(Duration.ofSeconds(60))
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(entry))
                  .header("Content-Type", "application/octet-stream")
                  .build());
      assertProblem(waited, 503, "database-busy");
      assertThat(waited.header("Retry-After")).isNotBlank();
      holder.rollback();
    }

    ApiResponse again = api.putBytes(path("/entries/fx-graph/waits"), entry);
    assertThat(again.status()).as(again.text()).isEqualTo(201);
    assertThat(api.get(path("/entries/fx-graph/waits")).body()).isEqualTo(entry);
  }
}
