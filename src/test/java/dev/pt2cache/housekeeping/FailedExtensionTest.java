package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The keep-alive's extension of a long run's lock meets a failure of the database (a restart, an
 * ended session): ShedLock's keep-alive extends from a task scheduled at a fixed rate, which a
 * throw ends for good without a word, so the lock was never extended again and lapsed under a run
 * longer than {@code lockAtMostFor}. The extension that fails keeps the lock, is logged, and the
 * next period's is asked as before.
 */
@ExtendWith(OutputCaptureExtension.class)
class FailedExtensionTest {

  @Test
  void shouldKeepTheLockAndSayAnExtensionThatFailedSoTheNextPeriodAsksAgain(CapturedOutput output) {
    List<String> asked = new ArrayList<>();
    ExtensibleLockProvider onceDown =
        configuration -> Optional.of(new FailingOnce(configuration, asked));
    SimpleLock lock =
        // no answer wait: the failed extension is not asked again within the period
        // (RetriedExtensionTest: one that is)
        new AnsweredLockProvider(onceDown, new LockTries(null))
            .lock(
                new LockConfiguration(
                    Instant.now(), "retention", Duration.ofMinutes(2), Duration.ZERO))
            .orElseThrow();

    Optional<SimpleLock> kept = lock.extend(Duration.ofMinutes(2), Duration.ZERO);
    assertThat(kept).as("the lock, kept for the next period's extension").containsSame(lock);
    assertThat(output.getAll())
        .contains("housekeeping lock retention was not extended (")
        .contains("the lock lapses PT2M after its last extension");

    Optional<SimpleLock> extended = kept.orElseThrow().extend(Duration.ofMinutes(2), Duration.ZERO);
    assertThat(extended).isPresent();
    extended.orElseThrow().unlock();
    assertThat(asked).containsExactly("extend", "extend", "unlock");
  }

  /** ShedLock's own lock, as its storage answers: the first extension's statement fails. */
  private static final class FailingOnce extends AbstractSimpleLock {

    private final List<String> asked;

    FailingOnce(LockConfiguration configuration, List<String> asked) {
      super(configuration);
      this.asked = asked;
    }

    @Override
    protected void doUnlock() {
      asked.add("unlock");
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration extended) {
      asked.add("extend");
      if (asked.size() == 1) {
        throw new DataAccessResourceFailureException(
            "extend",
            new SQLException("terminating connection due to administrator command", "57P01"));
      }
      return Optional.of(new FailingOnce(extended, asked));
    }
  }
}
