package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A request's statement that works longer than {@code PT2CACHE_DB_ANSWER_WAIT} on a PostgreSQL that
 * answers: the one statement of a non-blocking invalidation that retires every match lifts the
 * bound for its connection ({@link AnswerWait#lifted}), since 10^6 matches take past a minute. A
 * trigger of the test's own makes the retirement of this test's namespace take 2 s, twice the
 * bound: without the lift the statement would be cut and the invalidation answered {@code 503}.
 */
@TestPropertySource(
    properties = {"pt2cache.database.answer-wait=1s", "pt2cache.database.lock-wait=500ms"})
class LiftedAnswerWaitTest extends ServiceTest {

  @AfterEach
  void dropTheSlowRetirement() {
    jdbc.sql("drop trigger if exists slow_retirement on artifact").update();
    jdbc.sql("drop function if exists slow_retirement()").update();
  }

  @Test
  void shouldFinishANonBlockingInvalidationWhoseStatementWorksLongerThanTheAnswerWait() {
    String model = Descriptors.uniqueModel();
    String descriptor = Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
    String id = uploadMegaCache(descriptor, Fixtures.randomBytes(100)).json().get("id").asString();
    jdbc.sql(
            """
            create function slow_retirement() returns trigger language plpgsql as $$
            begin perform pg_sleep(2); return new; end $$""")
        .update();
    jdbc.sql(
            "create trigger slow_retirement before update on artifact for each row when"
                + " (new.namespace = '"
                + ns
                + "' and old.invalidation_id is null and new.invalidation_id is not null)"
                + " execute function slow_retirement()")
        .update();

    ApiResponse done =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"long\"}");

    assertThat(done.status()).as(done.text()).isEqualTo(201);
    assertThat(done.json().get("invalidated").asLong()).isEqualTo(1);
    assertThat(stateOf(id)).contains("INVALIDATED");
  }
}
