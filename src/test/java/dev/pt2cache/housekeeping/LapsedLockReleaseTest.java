package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A job's lock whose extension found it no longer this run's (the keep-alive's extension reached
 * PostgreSQL after the lock had lapsed, and another instance may have taken it): ShedLock marks the
 * lock invalid, and its release then raises {@code IllegalStateException} without a statement. The
 * line for a release that failed ("lapses within ..., until then no instance runs the job") is
 * false there: the lock is gone, and another instance may be running the job.
 */
@ExtendWith(OutputCaptureExtension.class)
class LapsedLockReleaseTest {

  @Test
  void shouldSayALockWhoseExtensionFoundItGoneWasNoLongerTheRunsAtItsRelease(
      CapturedOutput output) {
    ExtensibleLockProvider lapsing =
        configuration -> Optional.of(new LapsedOnExtension(configuration));
    SimpleLock lock =
        new AnsweredLockProvider(lapsing, new LockTries(Duration.ofSeconds(1)))
            .lock(
                new LockConfiguration(Instant.now(), "purge", Duration.ofMinutes(2), Duration.ZERO))
            .orElseThrow();

    assertThat(lock.extend(Duration.ofMinutes(2), Duration.ZERO)).isEmpty();
    lock.unlock();

    assertThat(output.getAll())
        .contains("housekeeping lock purge had lapsed before its release")
        .doesNotContain("was not released");
  }

  /** ShedLock's own lock, as its storage answers an extension that updated no row. */
  private static final class LapsedOnExtension extends AbstractSimpleLock {

    LapsedOnExtension(LockConfiguration configuration) {
      super(configuration);
    }

    @Override
    protected void doUnlock() {}

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration extended) {
      return Optional.empty();
    }
  }
}
