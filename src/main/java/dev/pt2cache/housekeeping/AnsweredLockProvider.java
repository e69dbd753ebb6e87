package dev.pt2cache.housekeeping;

import dev.pt2cache.system.AnswerWait;
import java.time.Duration;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.LockException;
import org.springframework.dao.DataAccessException;

/**
 * Job locks whose statements (take, extend, release the {@code shedlock} row) wait for PostgreSQL's
 * answer at most {@code PT2CACHE_DB_ANSWER_WAIT} ({@link AnswerWait}). On a PostgreSQL that took
 * the statement and went silent, taking the lock held a scheduler thread, and extending it the
 * keep-alive's one thread (every job's), until TCP gave up: a lock that was not answered is not
 * taken, one not extended lapses after {@code lockAtMostFor}, and one not released lapses so too,
 * as a killed instance's does (ADR 0006).
 */
final class AnsweredLockProvider implements ExtensibleLockProvider {

  private final ExtensibleLockProvider locks;

  AnsweredLockProvider(ExtensibleLockProvider locks) {
    this.locks = locks;
  }

  /**
   * The lock, or empty when another instance holds it. A statement that failed is raised as
   * Spring's own failure of the database, which ShedLock wraps in its {@link LockException}: the
   * runner and the API answer it as any other statement's ({@code 503 database-unavailable}).
   */
  @Override
  public Optional<SimpleLock> lock(LockConfiguration configuration) {
    try {
      return AnswerWait.bounded(() -> locks.lock(configuration)).map(Answered::new);
    } catch (LockException e) {
      throw e.getCause() instanceof DataAccessException failure ? failure : e;
    }
  }

  private record Answered(SimpleLock lock) implements SimpleLock {

    /**
     * Releases the lock, asking once more where the first statement failed: its connection may have
     * been one whose session had ended since it was last used (the pool checks a connection only
     * after half a second idle), and the next is a new one. Past a second failure the lock lapses
     * after {@code lockAtMostFor}.
     */
    @Override
    public void unlock() {
      AnswerWait.bounded(
          () -> {
            try {
              lock.unlock();
            } catch (RuntimeException e) {
              lock.unlock();
            }
            return null;
          });
    }

    @Override
    public Optional<SimpleLock> extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
      return AnswerWait.bounded(() -> lock.extend(lockAtMostFor, lockAtLeastFor))
          .map(Answered::new);
    }
  }
}
