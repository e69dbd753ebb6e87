package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.RowsRead;
import dev.pt2cache.support.ServiceTest;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/housekeeping/runs} where runs are many (retention every 30 s, reconcile and purge,
 * on every instance, kept 7 days: tens of thousands of rows): it answered only the newest 500 and
 * no way to the rest, so a run that hundreds of newer runs had pushed down could not be found. It
 * pages now, newest first, ties in time broken by id, and a walk sees every run that stood through
 * it exactly once while runs are recorded and purged between its pages.
 */
class JobRunPagingTest extends ServiceTest {

  @Autowired DataSource dataSource;

  private final String instance = "paging-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void dropSeeded() {
    jdbc.sql("delete from housekeeping_run where instance like ?").param(instance + "%").update();
  }

  /** Runs of this test's instance, a day old and older, three to each second. */
  private void seed(int count) {
    jdbc.sql(
            """
            insert into housekeeping_run (job, instance, started_at, finished_at, outcome)
            select (array['purge', 'reconcile', 'retention'])[1 + i % 3], ?,
                   now() - interval '1 day' - make_interval(secs => i / 3),
                   now() - interval '1 day' - make_interval(secs => i / 3), '{}'::jsonb
              from generate_series(1, ?) i
            """)
        .params(instance, count)
        .update();
  }

  private List<Long> seededIds(String job) {
    return jdbc.sql(
            "select id from housekeeping_run where instance = ? and (? = '' or job = ?)"
                + " order by started_at desc, id desc")
        .params(instance, job, job)
        .query(Long.class)
        .list();
  }

  /** Every run of every page, following nextCursor; between pages, runs come and go. */
  private List<JsonNode> walk(String first) {
    List<JsonNode> seen = new ArrayList<>();
    String url = first;
    while (url != null) {
      ApiResponse page = api.get(url);
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      assertThat(page.json().get("items").size()).isLessThanOrEqualTo(100);
      page.json().get("items").forEach(seen::add);
      // newer runs recorded, and runs of another instance purged, while an operator pages
      jdbc.sql(
              """
              insert into housekeeping_run (job, instance, started_at)
              select 'purge', ? || '-new', now() from generate_series(1, 30)
              """)
          .param(instance)
          .update();
      url =
          page.json().has("nextCursor")
              ? first + "&cursor=" + page.json().get("nextCursor").asString()
              : null;
    }
    return seen;
  }

  @Test
  void shouldWalkEveryRunOnceWhileRunsAreRecordedBetweenPages() {
    seed(700);
    List<Long> expected = seededIds("");

    List<Long> ours =
        walk("/v1/housekeeping/runs?limit=100").stream()
            .filter(r -> r.get("instance").asString().equals(instance))
            .map(r -> r.get("id").asLong())
            .toList();

    // each seeded run once, in the documented order (newest first, ties in time by id)
    assertThat(ours).containsExactlyElementsOf(expected);
  }

  @Test
  void shouldWalkEveryRunOfOneJobOnce() {
    seed(700);
    List<Long> expected = seededIds("reconcile");

    List<JsonNode> seen = walk("/v1/housekeeping/runs?job=reconcile&limit=100");

    assertThat(seen).allMatch(r -> r.get("job").asString().equals("reconcile"));
    assertThat(
            seen.stream()
                .filter(r -> r.get("instance").asString().equals(instance))
                .map(r -> r.get("id").asLong())
                .toList())
        .containsExactlyElementsOf(expected);
  }

  /**
   * A page deep in the runs, of every job and of one, is read from an index, not by sorting every
   * run: counted as the rows PostgreSQL read, which do not depend on how busy the machine is. The
   * statement is the one {@link JobRunHistory} sends, with its parameters bound, in the generic
   * plan PostgreSQL keeps for it once pgjdbc prepares it (a literal written here passed whatever
   * the service sent: without the redundant bound its page read 50,000 rows).
   */
  @Test
  void shouldReadAPageOfRunsWithoutReadingThemAll() throws Exception {
    seed(100_000);
    jdbc.sql("analyze housekeeping_run").update();

    assertThat(rowsReadByADeepPage(false)).isLessThan(1000);
    assertThat(rowsReadByADeepPage(true)).isLessThan(1000);
  }

  /** The rows a page half-way down the seeded runs reads, of every job or of purge's only. */
  private long rowsReadByADeepPage(boolean ofOneJob) throws Exception {
    String page =
        JobRunHistory.statement(ofOneJob, true)
            .replace(":at", "$1")
            .replace(":id", "$2")
            .replace(":limit", "$3")
            .replace(":job", "$4");
    try (Connection connection = dataSource.getConnection()) {
      JdbcClient session = JdbcClient.create(new SingleConnectionDataSource(connection, true));
      session.sql("set plan_cache_mode = force_generic_plan").update();
      session.sql("prepare deep_page (timestamptz, bigint, int, varchar) as " + page).update();
      try {
        return RowsRead.of(
            session,
            "housekeeping_run",
            "execute deep_page (now() - interval '1 day' - interval '5 hours', 0, 101, 'purge')");
      } finally {
        session.sql("deallocate deep_page").update();
        session.sql("reset plan_cache_mode").update();
      }
    }
  }

  @Test
  void shouldRefuseACursorItDidNotIssue() {
    assertProblem(api.get("/v1/housekeeping/runs?cursor=AAAA"), 400, "invalid-request");
    assertProblem(api.get("/v1/housekeeping/runs?cursor=MS54"), 400, "invalid-request");
    assertProblem(api.get("/v1/housekeeping/runs?limit=501"), 400, "invalid-request");
  }
}
