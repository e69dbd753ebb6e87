package dev.pt2cache.housekeeping;

import dev.pt2cache.system.AnswerWait;
import dev.pt2cache.system.DatabaseCause;
import dev.pt2cache.system.LostConnections;
import dev.pt2cache.system.RefusedLogin;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.LockException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Job locks whose statements (take, extend, release the {@code shedlock} row) wait for PostgreSQL's
 * answer at most {@code PT2CACHE_DB_ANSWER_WAIT} ({@link AnswerWait}). On a PostgreSQL that took
 * the statement and went silent, taking the lock held a scheduler thread, and extending it the
 * keep-alive's one thread (every job's), until TCP gave up: a lock that was not answered is not
 * taken, one not extended lapses after {@code lockAtMostFor}, and one not released lapses so too,
 * as a killed instance's does (ADR 0006). A release that fails on a session PostgreSQL ended is
 * asked again on another connection ({@link Answered}).
 */
final class AnsweredLockProvider implements ExtensibleLockProvider {

  private static final Logger log = LoggerFactory.getLogger(AnsweredLockProvider.class);

  private final ExtensibleLockProvider locks;
  private final LockTries tries;

  AnsweredLockProvider(ExtensibleLockProvider locks, LockTries tries) {
    this.locks = locks;
    this.tries = tries;
  }

  /**
   * The lock, or empty when another instance holds it. A statement that failed is raised as
   * Spring's own failure of the database, which ShedLock wraps in its {@link LockException}: the
   * runner and the API answer it as any other statement's ({@code 503 database-unavailable}).
   */
  @Override
  public Optional<SimpleLock> lock(LockConfiguration configuration) {
    Duration lockAtMostFor = configuration.getLockAtMostFor();
    long asked = System.nanoTime();
    try {
      return AnswerWait.bounded(() -> locks.lock(configuration))
          .map(
              lock ->
                  new Answered(
                      configuration.getName(),
                      lock,
                      lockAtMostFor,
                      lapsesNoSoonerThan(asked, lockAtMostFor),
                      tries));
    } catch (LockException e) {
      throw e.getCause() instanceof DataAccessException failure ? failure : e;
    }
  }

  /**
   * A lock taken, whose release is asked again, on another connection, while it fails as a lost
   * connection, a session PostgreSQL ended or another failure of the database's that may pass
   * ({@link #passing}; a refused login does not). ShedLock retries a release itself only on a
   * failure it takes for a lost race ({@code ConcurrencyFailureException}, {@code
   * TransactionSystemException}); an ended session's is neither (its statement fails as {@code
   * DataAccessResourceFailureException} or, for {@code 25P03}/{@code 25P04}, {@code
   * UncategorizedSQLException}, and {@link LockTransactions} raises a failed commit as the latter),
   * so ShedLock raised it at once. The pool (HikariCP) throws the dead connection away, but hands
   * out without a check any other used within the last half second, the thread's own first: after a
   * restart or an operator's {@code pg_terminate_backend} of the instance's sessions, the one try
   * more that this made before met another dead connection, and under an {@code
   * idle_in_transaction_session_timeout} of milliseconds the same timeout between the release's
   * statement and its commit. The lock then stayed taken for {@code lockAtMostFor} after its job
   * had run: {@code 409 job-running} on demand and the scheduled rounds unrun for 2 minutes.
   *
   * <p>The tries wait 50 ms, then twice as long each time up to 1 s: past half a second the pool
   * checks every connection left from before the end, and a restarting PostgreSQL has time to take
   * new sessions. They stop at a quarter of {@code lockAtMostFor}, and before a try could reach
   * PostgreSQL after {@code heldUntil} ({@link LockTries}). No try, nor a first one whose commit's
   * answer was lost, releases a later holder's lock: each take has its own {@code locked_by}
   * ({@link LocksPerTake}).
   *
   * <p>A release that still fails is logged, not raised: its job has run, and ShedLock releases in
   * a {@code finally}, so a failure raised there took the place of the run's own result (the run
   * asked for through the API answered {@code 503} for work it had done and recorded, a scheduled
   * round counted as unrun, a job's own failure hidden behind the release's). The lock lapses after
   * {@code lockAtMostFor}, as a crashed instance's does (ADR 0006). A lock whose extension found it
   * lapsed is released by no statement (ShedLock refuses it as invalid): its line says so, since
   * another instance may have taken the lock and run the job.
   *
   * @param name the job's lock, as the line that says it was not released names it
   * @param heldUntil the {@link System#nanoTime} until which the lock is this run's at least: its
   *     take or last extension was asked no earlier than {@code lockAtMostFor} before it
   *     (PostgreSQL stamps it from its transaction's start)
   */
  private record Answered(
      String name, SimpleLock lock, Duration lockAtMostFor, long heldUntil, LockTries tries)
      implements SimpleLock {

    private static final Duration FIRST_PAUSE = Duration.ofMillis(50);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    @Override
    public void unlock() {
      try {
        release();
      } catch (IllegalStateException e) {
        // ShedLock's own refusal, before any statement, of a lock it marked invalid: an extension
        // (the keep-alive's) that found the row no longer this take's
        log.warn(
            "housekeeping lock {} had lapsed before its release (an extension found it no longer"
                + " this run's): its job ran; another instance may have run the job meanwhile",
            name);
      } catch (RuntimeException e) {
        log.warn(
            "housekeeping lock {} was not released ({}): its job ran; the lock lapses within {}"
                + " (PT2CACHE_JOB_LOCK_TIMEOUT), until then no instance runs the job and a run"
                + " asked for answers 409 job-running",
            name,
            DatabaseCause.describe(e).orElse(String.valueOf(e)),
            lockAtMostFor);
      }
    }

    private void release() {
      tried(
          () -> {
            lock.unlock();
            return null;
          });
    }

    /**
     * The statement's answer, asked again while it fails as one that may pass ({@link #passing}),
     * as long as a try still ends within the lock's time ({@link LockTries}).
     */
    private <T> T tried(Supplier<T> statement) {
      long started = System.nanoTime();
      Duration pause = FIRST_PAUSE;
      while (true) {
        try {
          return AnswerWait.bounded(statement);
        } catch (RuntimeException e) {
          if (!passing(e) || !mayStart(System.nanoTime() + pause.toNanos(), started)) {
            throw e;
          }
          pause(pause, e);
          if (!mayStart(System.nanoTime(), started)) {
            throw e; // the pause ran over
          }
        }
        Duration doubled = pause.multipliedBy(2);
        pause = doubled.compareTo(LONGEST_PAUSE) < 0 ? doubled : LONGEST_PAUSE;
      }
    }

    private boolean mayStart(long at, long started) {
      return tries.mayStart(at, started, heldUntil, lockAtMostFor);
    }

    /**
     * The lock extended, or empty where the extension found it no longer this take's (ShedLock's
     * keep-alive then says "Can't extend lock" and stops). An extension that fails (the database
     * down, the session ended) is asked again as a release is, while a try still ends within the
     * lock's time: the keep-alive's next period comes a full {@code lockAtMostFor} after the last
     * extension that succeeded, as the lock lapses (after the take's, always later), and found the
     * row lapsed. One that still fails is logged and keeps this lock: raised, it stopped the
     * keep-alive without a word (its scheduled task ends at a throw, which the executor keeps to
     * itself). The tries hold the keep-alive's one thread, every job's, at most a quarter of {@code
     * lockAtMostFor}; each lock's extension is asked at the latest when it lapses, and finds it
     * lapsed at worst.
     */
    @Override
    public Optional<SimpleLock> extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
      long asked = System.nanoTime();
      Optional<SimpleLock> extended;
      try {
        extended = tried(() -> lock.extend(lockAtMostFor, lockAtLeastFor));
      } catch (RuntimeException e) {
        log.warn(
            "housekeeping lock {} was not extended ({}): the lock lapses {} after its last"
                + " extension, as the keep-alive's next is asked, and another instance may then"
                + " run the job beside this run",
            name,
            DatabaseCause.describe(e).orElse(String.valueOf(e)),
            this.lockAtMostFor);
        return Optional.of(this);
      }
      return extended.map(
          taken ->
              new Answered(
                  name, taken, lockAtMostFor, lapsesNoSoonerThan(asked, lockAtMostFor), tries));
    }

    /**
     * A failure another try may not meet: a lost connection or an ended session ({@link
     * LostConnections}), a statement PostgreSQL cancelled ({@code statement_timeout}, {@code
     * pg_cancel_backend}) or a resource it lacked (too many connections, memory). Not a login
     * PostgreSQL refused ({@link RefusedLogin}: a password changed under the instance, a role
     * dropped), which the pool raises as a connection it could not get: no pause brings it back,
     * and the tries held the job's thread for a quarter of {@code lockAtMostFor} (30 s by default).
     */
    private static boolean passing(RuntimeException failure) {
      return (LostConnections.lost(failure) || DatabaseCause.cancelledOrOutOfResources(failure))
          && RefusedLogin.describe(failure).isEmpty();
    }

    /**
     * Waits before the next try; a stopping instance's interrupt ends the tries with the failure.
     */
    private static void pause(Duration pause, RuntimeException failure) {
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  private static long lapsesNoSoonerThan(long asked, Duration lockAtMostFor) {
    return asked + lockAtMostFor.toNanos();
  }
}
