package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.RefusingStore;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.LockWait;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A store that refuses to list multipart uploads (one without {@code ListMultipartUploads}, as some
 * S3-compatible stores are, or credentials without {@code s3:ListBucketMultipartUploads}) does not
 * fail every purge: the run skips the aborts, says why in its record, and deletes the history that
 * comes after them. Against the real store of the test run, refusing with {@code 403}.
 */
class RefusedUploadListingTest extends ServiceTest {

  @Autowired BlobCollector collector;
  @Autowired MeterRegistry registry;
  @Autowired HousekeepingProperties properties;
  @Autowired LockWait lockWait;

  @Test
  void shouldFinishThePurgeAndSayWhyAbandonedUploadsWereNotAborted() {
    long old =
        jdbc.sql(
                """
                insert into housekeeping_run (job, instance, started_at, finished_at, outcome)
                values ('refused-probe', 'test', now() - interval '400 days',
                        now() - interval '400 days', '{}') returning id
                """)
            .query(Long.class)
            .single();

    Map<String, Object> outcome;
    try (RefusingStore refusing = new RefusingStore()) {
      outcome =
          new PurgeJob(jdbc, collector, refusing.store(), registry, properties, lockWait).run();
    }

    assertThat(outcome).containsEntry("multipartUploadsAborted", 0L);
    assertThat((String) outcome.get("multipartUploadsSkipped"))
        .contains("refused to list multipart uploads");
    assertThat(outcome).containsKeys("oldInvalidationsDeleted", "oldTokensDeleted", "storedBytes");
    assertThat(
            jdbc.sql("select count(*) from housekeeping_run where id = ?")
                .param(old)
                .query(Long.class)
                .single())
        .as("the run history after the aborts was deleted all the same")
        .isZero();

    // the record as an operator reads it, through the API: every answer is checked against the
    // contract, whose run outcome admits no member it does not name
    long run =
        jdbc.sql(
                """
                insert into housekeeping_run (job, instance, started_at, finished_at, outcome)
                values ('purge', 'test', now() + interval '1 day', now() + interval '1 day',
                        cast(:outcome as jsonb)) returning id
                """)
            .param("outcome", JsonMapper.shared().writeValueAsString(outcome))
            .query(Long.class)
            .single();
    try {
      JsonNode newest = api.get("/v1/housekeeping/runs?job=purge&limit=1").json().get("items");
      assertThat(newest.get(0).get("id").asLong()).isEqualTo(run);
      assertThat(newest.get(0).get("outcome").get("multipartUploadsSkipped").asString())
          .contains("refused to list multipart uploads");
    } finally {
      jdbc.sql("delete from housekeeping_run where id = ?").param(run).update();
    }
  }
}
