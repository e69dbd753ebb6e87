package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import java.lang.reflect.Constructor;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.KeepAliveLockProvider;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A long run's lock whose keep-alive extension fails once on the database (a session PostgreSQL
 * ended): ShedLock's keep-alive asks every half of {@code lockAtMostFor}, so its next extension
 * after a failed one comes a full {@code lockAtMostFor} after the last that succeeded, as the lock
 * lapses (the first period's, after the take's, always later): it found the row lapsed, stopped
 * ("Can't extend lock"), and the run went on without its lock. Timed by PostgreSQL's clock as the
 * service's locks are, through ShedLock's keep-alive, with a lock of 3 s instead of 2 minutes.
 */
class RetriedExtensionTest extends ServiceTest {

  private static final Duration LOCK = Duration.ofSeconds(3);

  @Autowired DataSource dataSource;

  @Test
  void shouldKeepALongRunsLockWhoseExtensionFailedOnce() throws Exception {
    ShedLockConfiguration configuration = new ShedLockConfiguration();
    ScheduledExecutorService keepAlive = configuration.lockKeepAlive();
    AtomicInteger extensions = new AtomicInteger();
    LocksPerTake rows =
        new LocksPerTake(new JdbcTemplate(dataSource), new LockTransactions(dataSource));
    ExtensibleLockProvider firstExtensionFails =
        taken -> rows.lock(taken).map(lock -> new FirstExtensionFails(lock, extensions));
    LockProvider locks =
        keepAlive(
            new AnsweredLockProvider(firstExtensionFails, new LockTries(Duration.ofMillis(500))),
            keepAlive);
    String job = "extension-probe-" + UUID.randomUUID();
    try {
      SimpleLock lock =
          locks.lock(new LockConfiguration(Instant.now(), job, LOCK, Duration.ZERO)).orElseThrow();

      Thread.sleep(LOCK.plusSeconds(1).toMillis()); // the run goes on past lockAtMostFor
      boolean held =
          jdbc.sql("select lock_until > now() from shedlock where name = ?")
              .params(job)
              .query(Boolean.class)
              .single();
      lock.unlock();

      assertThat(extensions.get()).as("extensions asked").isGreaterThanOrEqualTo(2);
      assertThat(held).as("the run's lock still held past lockAtMostFor").isTrue();
    } finally {
      keepAlive.shutdownNow();
      jdbc.sql("delete from shedlock where name = ?").params(job).update();
    }
  }

  /**
   * ShedLock's keep-alive with a lock shorter than its public constructor's least (30 s), through
   * the one that takes the least.
   */
  private static LockProvider keepAlive(
      ExtensibleLockProvider locks, ScheduledExecutorService keepAlive) throws Exception {
    Constructor<KeepAliveLockProvider> withLeast =
        KeepAliveLockProvider.class.getDeclaredConstructor(
            ExtensibleLockProvider.class, ScheduledExecutorService.class, Duration.class);
    withLeast.setAccessible(true);
    return withLeast.newInstance(locks, keepAlive, Duration.ofSeconds(1));
  }

  /** The take's own lock, whose first extension fails as one on a session PostgreSQL ended. */
  private record FirstExtensionFails(SimpleLock lock, AtomicInteger extensions)
      implements SimpleLock {

    @Override
    public void unlock() {
      lock.unlock();
    }

    @Override
    public Optional<SimpleLock> extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
      if (extensions.incrementAndGet() == 1) {
        throw new DataAccessResourceFailureException(
            "extend",
            new SQLException("terminating connection due to administrator command", "57P01"));
      }
      return lock.extend(lockAtMostFor, lockAtLeastFor)
          .map(extended -> new FirstExtensionFails(extended, extensions));
    }
  }
}
