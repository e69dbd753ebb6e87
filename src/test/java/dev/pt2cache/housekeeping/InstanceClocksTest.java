package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Instances whose clocks disagree with the database's still take turns at every job: a run is
 * stamped by the database, and one stamped in the future (by a build before that, on a clock ahead)
 * makes no instance skip its turn.
 */
class InstanceClocksTest extends ServiceTest {

  @Autowired JobRunner runner;
  @Autowired PurgeJob purge;

  @Test
  void shouldNotSkipAJobBecauseARunWasStampedByAClockAhead() {
    String id =
        declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100))
            .json()
            .get("id")
            .asString();
    jdbc.sql(
            "update artifact set upload_expires_at = now() - interval '3 hours' where id = ?::uuid")
        .param(id)
        .update();
    // runs of other tests in this context are this instance's turns, not the one under test
    jdbc.sql(
            "update housekeeping_run set started_at = started_at - interval '1 hour',"
                + " finished_at = finished_at - interval '1 hour'"
                + " where job = 'purge' and finished_at > now() - interval '1 hour'")
        .update();
    long ahead =
        jdbc.sql(
                """
                insert into housekeeping_run (job, instance, started_at, finished_at, outcome)
                values ('purge', 'ahead-by-an-hour', now() + interval '59 minutes',
                        now() + interval '1 hour', '{}') returning id
                """)
            .query(Long.class)
            .single();
    try {
      runner.runScheduled(purge);

      assertThat(
              jdbc.sql("select count(*) from artifact where id = ?::uuid")
                  .param(id)
                  .query(Long.class)
                  .single())
          .as("the expired reservation, dropped by this instance's turn at purge")
          .isZero();
      assertThat(
              jdbc.sql(
                      """
                      select bool_and(finished_at <= now() and started_at <= finished_at)
                      from housekeeping_run where job = 'purge' and id > ?
                      """)
                  .param(ahead)
                  .query(Boolean.class)
                  .single())
          .as("this instance's run, stamped by the database")
          .isTrue();
    } finally {
      jdbc.sql("delete from housekeeping_run where id = ?").param(ahead).update();
    }
  }
}
