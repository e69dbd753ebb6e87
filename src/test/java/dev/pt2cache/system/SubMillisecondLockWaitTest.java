package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code PT2CACHE_DB_LOCK_WAIT} under a millisecond ({@code 500us}): PostgreSQL's {@code
 * lock_timeout} counts whole milliseconds, and the wait was rounded down to {@code 0ms}, which
 * PostgreSQL reads as no bound at all. A write then waited for a held lock for as long as its
 * holder, which is what the setting is there to prevent (docs/adr/0039). It is rounded up now.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class SubMillisecondLockWaitTest {

  /** Far longer than the wait asked; a wait without a bound runs into it. */
  private static final long PATIENCE_SECONDS = 30;

  @Test
  void shouldGiveUpOnAHeldLockRatherThanWaitForItsHolder() throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    try (HikariDataSource pool = new HikariDataSource()) {
      pool.setJdbcUrl(env.get("PT2CACHE_DB_URL"));
      pool.setUsername(env.get("PT2CACHE_DB_USER"));
      pool.setPassword(env.get("PT2CACHE_DB_PASSWORD"));
      pool.setMaximumPoolSize(2);
      JdbcClient jdbc = JdbcClient.create(pool);
      LockWait wait =
          new LockWait(
              jdbc,
              new TransactionTemplate(new DataSourceTransactionManager(pool)),
              Duration.ofNanos(500_000));
      AdvisoryLocks locks = new AdvisoryLocks(jdbc, wait);

      try (Connection holder = pool.getConnection()) {
        holder.setAutoCommit(false);
        try (PreparedStatement lock =
            holder.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
          lock.setString(1, "held");
          lock.execute();
        }
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> locks.lock("held"));
        try {
          Throwable failure = waited(waiter);
          assertThat(failure)
              .as("a lock held elsewhere, with a wait of 500 us")
              .isNotNull()
              .hasMessageContaining("55P03"); // lock_not_available: the wait ran out
        } finally {
          holder.rollback(); // lets a waiter without a bound go
        }
      }
    }
  }

  /** What ended the wait; null if it went on for the whole patience. */
  private static Throwable waited(CompletableFuture<Void> waiter) throws InterruptedException {
    try {
      waiter.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
      return new AssertionError("took the lock its holder still held");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      return null;
    }
  }
}
