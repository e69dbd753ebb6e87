package dev.pt2cache.housekeeping;

import dev.pt2cache.system.AnswerWait;
import java.time.Duration;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

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

  @Override
  public Optional<SimpleLock> lock(LockConfiguration configuration) {
    return AnswerWait.bounded(() -> locks.lock(configuration)).map(Answered::new);
  }

  private record Answered(SimpleLock lock) implements SimpleLock {

    @Override
    public void unlock() {
      AnswerWait.bounded(
          () -> {
            lock.unlock();
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
