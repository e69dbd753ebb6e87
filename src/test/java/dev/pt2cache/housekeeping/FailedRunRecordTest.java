package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A failed run is recorded with what failed, whatever the failure's message holds: a store's
 * message can quote what it was sent, U+0000 and unpaired surrogates included, which PostgreSQL's
 * jsonb refuses. Such a run was left unfinished, with no outcome, and answered 500 when run on
 * demand.
 */
class FailedRunRecordTest extends ServiceTest {

  @Autowired HousekeepingMetrics metrics;
  @Autowired HousekeepingProperties properties;

  private final SimpleLock noLock = () -> {};

  @AfterEach
  void forgetTheProbesRuns() {
    jdbc.sql("delete from housekeeping_run where job = 'failing-probe'").update();
  }

  @Test
  void shouldRecordAFailureWhoseMessageHoldsWhatPostgresqlCannotStore() {
    JobRunner runner =
        new JobRunner(
            new DefaultLockingTaskExecutor(lock -> Optional.of(noLock)), jdbc, metrics, properties);

    JobRunner.JobRun run =
        runner
            .run(failingWith("no such object: key\0with\uD800nul and a lone surrogate"), null)
            .get();

    assertThat(run.outcome())
        .isEqualTo(Map.of("error", "no such object: key\uFFFDwith\uFFFDnul and a lone surrogate"));
    Map<String, Object> row =
        jdbc.sql(
                "select finished_at is not null as finished, outcome->>'error' as error"
                    + " from housekeeping_run where id = ?")
            .params(run.id())
            .query()
            .singleRow();
    assertThat(row)
        .containsEntry("finished", true)
        .containsEntry("error", "no such object: key\uFFFDwith\uFFFDnul and a lone surrogate");
  }

  @Test
  void shouldNameTheFailureWhenItHasNoMessage() {
    JobRunner runner =
        new JobRunner(
            new DefaultLockingTaskExecutor(lock -> Optional.of(noLock)), jdbc, metrics, properties);

    JobRunner.JobRun run = runner.run(failingWith(null), null).get();

    assertThat(run.outcome()).isEqualTo(Map.of("error", "java.lang.IllegalStateException"));
  }

  private static HousekeepingJob failingWith(String message) {
    return new HousekeepingJob() {
      public String name() {
        return "failing-probe";
      }

      public Duration interval() {
        return Duration.ofHours(1);
      }

      public Map<String, Object> run() {
        throw new IllegalStateException(message);
      }
    };
  }
}
