package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.JobLocks;
import dev.pt2cache.support.ServiceTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An instance killed during a housekeeping run ({@code kill -9}, the OOM killer, its node lost)
 * leaves what it held as it was: its run recorded as started and never finished, and the job's lock
 * taken. Measured on an instance killed 2.5 s into a {@code purge} (bench/killed-instance.sh): the
 * run showed as running until its record aged out (7 days), and the lock was held 30 minutes. Here
 * the rows are left as that instance left them.
 */
class KilledRunTest extends ServiceTest {

  @Autowired JobRunner runner;
  @Autowired RetentionJob retention;
  @Autowired MeterRegistry registry;

  @AfterEach
  void forgetTheKilledRuns() {
    jdbc.sql("delete from housekeeping_run where instance like 'killed-host/%'").update();
    jdbc.sql("delete from housekeeping_run where job = 'lock-probe'").update();
  }

  @Test
  void shouldRecordARunItsKilledInstanceLeftAsFailedAtTheJobsNextRun() {
    long killed =
        jdbc.sql(
                "insert into housekeeping_run (job, instance, started_at)"
                    + " values ('retention', 'killed-host/0dead000', now() - interval '10 minutes')"
                    + " returning id")
            .query(Long.class)
            .single();
    double before = abandoned();

    JobLocks.whenFree(retention.name(), () -> runner.run(retention, null));

    // read by its id: the run list's newest 100 (500 at most) need not reach a record 10 minutes
    // old, as the whole suite showed (TwoInstancesTest, a few classes before, runs retention every
    // 50 to 200 ms on two instances and left hundreds of newer records)
    Map<String, Object> run =
        jdbc.sql(
                "select finished_at, outcome->>'error' as error from housekeeping_run where id = ?")
            .params(killed)
            .query()
            .singleRow();
    assertThat(run.get("finished_at")).as("shown as running: %s", run).isNotNull();
    assertThat((String) run.get("error"))
        .startsWith("never finished: its instance stopped during the run");
    assertThat(abandoned() - before).isEqualTo(1.0);
  }

  @Test
  void shouldLeaveTheLockOfARunKilledMidwayForTwoMinutesAtMost() {
    AtomicReference<Double> heldFor = new AtomicReference<>();
    HousekeepingJob probe =
        new HousekeepingJob() {
          public String name() {
            return "lock-probe";
          }

          public Duration interval() {
            return Duration.ofHours(1);
          }

          public Map<String, Object> run() {
            // what the table holds at this moment is what a kill now would leave
            heldFor.set(
                jdbc.sql(
                        "select extract(epoch from lock_until - now())::float8 from shedlock"
                            + " where name = 'lock-probe'")
                    .query(Double.class)
                    .single());
            return Map.of();
          }
        };

    runner.run(probe, null).orElseThrow();

    assertThat(heldFor.get()).isPositive().isLessThanOrEqualTo(120.0);
  }

  private double abandoned() {
    var counter =
        registry.find("pt2cache.housekeeping.runs.abandoned").tag("job", "retention").counter();
    return counter == null ? 0 : counter.count();
  }
}
