package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;

/**
 * A housekeeping job run by a test once the job's lock is free. Every test context, and every
 * instance a test starts ({@link ServiceInstances}, {@link SecondInstance}), shares the one
 * PostgreSQL and so the one ShedLock row per job: at the moment a test asks for a run, another's
 * round (a scheduled one, an on-demand one still going, one left by an instance closed mid-round)
 * may hold the lock, and the run is skipped, not made (409 job-running through the API, an empty
 * answer from {@code JobRunner.run}). A test that took that for its outcome failed in a whole-suite
 * run and passed alone (KilledRunTest, CI on 451f21d).
 */
public final class JobLocks {

  /**
   * Long enough for any other holder's round to end on a loaded machine; far below {@code
   * lock-at-most-for} (2 min), so that a lock never released still fails the test.
   */
  static final Duration PATIENCE = Duration.ofSeconds(60);

  private JobLocks() {}

  /**
   * The answer to {@code POST /v1/housekeeping/jobs/{job}/runs} once the job's lock was free: any
   * answer but 409 job-running, for the test to judge.
   */
  public static ApiClient.ApiResponse run(ApiClient api, String job) {
    return run(job, () -> api.postJson("/v1/housekeeping/jobs/" + job + "/runs", ""));
  }

  /** The answer {@code post} (the test's own request for a run of the job) got once it ran. */
  public static ApiClient.ApiResponse run(String job, Supplier<ApiClient.ApiResponse> post) {
    return whenFree(
        job,
        () -> {
          ApiClient.ApiResponse run = post.get();
          boolean held =
              run.status() == 409
                  && "urn:pt2cache:problem:job-running".equals(run.json().path("type").asString());
          return held ? Optional.empty() : Optional.of(run);
        });
  }

  /**
   * What {@code attempt} answered once it ran: it is tried again, every 100 ms, for as long as it
   * answers empty (the lock held elsewhere), and the test fails if the lock stays held past {@link
   * #PATIENCE}.
   */
  public static <T> T whenFree(String job, Supplier<Optional<T>> attempt) {
    long until = System.nanoTime() + PATIENCE.toNanos();
    for (Optional<T> ran = attempt.get(); ; ran = attempt.get()) {
      if (ran.isPresent()) {
        return ran.get();
      }
      assertThat(System.nanoTime())
          .as("the %s lock stayed held for %s", job, PATIENCE)
          .isLessThan(until);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the " + job + " lock", e);
      }
    }
  }

  /** Something a test does once a job has run, before its lock's release. */
  @FunctionalInterface
  public interface BeforeTheRelease {
    void run() throws Exception;
  }

  /**
   * {@code locks}, but that once each job has run (and recorded itself), {@code then} is done
   * before the lock's release: a session ended, a password changed under the pool.
   */
  public static LockingTaskExecutor beforeTheRelease(
      LockingTaskExecutor locks, BeforeTheRelease then) {
    return new LockingTaskExecutor() {
      @Override
      public void executeWithLock(Runnable task, LockConfiguration lock) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void executeWithLock(Task task, LockConfiguration lock) {
        throw new UnsupportedOperationException();
      }

      @Override
      public <T> TaskResult<T> executeWithLock(TaskWithResult<T> task, LockConfiguration lock)
          throws Throwable {
        return locks.executeWithLock(
            () -> {
              T ran = task.call();
              then.run();
              return ran;
            },
            lock);
      }
    };
  }
}
