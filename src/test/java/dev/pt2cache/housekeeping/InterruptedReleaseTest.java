package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * A stopping instance interrupts a round still running past its shutdown timeout, which may be a
 * lock's release pausing between its tries (a lost connection is asked again for up to a quarter of
 * {@code lockAtMostFor}, 30 s by default). The tries end there, the release's failure is logged
 * rather than raised (the run stands as it ran, ADR 0039), and the thread is still interrupted when
 * the release returns, so that what runs it next sees the stop.
 */
class InterruptedReleaseTest {

  @Test
  void shouldEndTheTriesAtTheInterruptAndKeepTheThreadInterrupted() throws Exception {
    CountDownLatch firstTry = new CountDownLatch(1);
    AtomicInteger tries = new AtomicInteger();
    ExtensibleLockProvider lostReleases =
        configuration ->
            Optional.of(
                () -> {
                  tries.incrementAndGet();
                  firstTry.countDown();
                  throw new DataAccessResourceFailureException(
                      "release",
                      new SQLException(
                          "An I/O error occurred while sending to the backend", "08006"));
                });
    // a try takes at most 1 s to reach PostgreSQL: the 2 minutes' lock lets tries go on for 30 s
    SimpleLock lock =
        new AnsweredLockProvider(lostReleases, new LockTries(Duration.ofSeconds(1)))
            .lock(
                new LockConfiguration(Instant.now(), "purge", Duration.ofMinutes(2), Duration.ZERO))
            .orElseThrow();
    AtomicReference<Throwable> raised = new AtomicReference<>();
    AtomicBoolean interruptedAfter = new AtomicBoolean();
    Thread round =
        new Thread(
            () -> {
              try {
                lock.unlock();
              } catch (Throwable e) {
                raised.set(e);
              }
              interruptedAfter.set(Thread.currentThread().isInterrupted());
            });

    round.start();
    assertThat(firstTry.await(5, TimeUnit.SECONDS)).isTrue();
    long interrupted = System.nanoTime();
    round.interrupt();
    round.join(Duration.ofSeconds(10).toMillis());

    assertThat(round.isAlive()).as("the release still trying after the interrupt").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - interrupted)).isLessThan(Duration.ofSeconds(2));
    assertThat(raised.get()).as("the release's failure, raised").isNull();
    assertThat(interruptedAfter.get()).as("the round's thread, still interrupted").isTrue();
    assertThat(tries.get()).isBetween(1, 2);
  }
}
