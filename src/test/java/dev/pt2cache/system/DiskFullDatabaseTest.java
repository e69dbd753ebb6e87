package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ServiceTest;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL whose disk is full refuses a write with {@code 53100} ({@code disk_full}), raised here
 * by the real database from a trigger on the rows these requests write (a test cannot fill the
 * shared database's disk), so that the failure takes the path a real one takes from the driver
 * through Spring's translation. Spring's codes for PostgreSQL count {@code 53100} among resource
 * failures ({@code DataAccessResourceFailureException}), which the handler answered as {@code
 * database-unavailable} before it looked for a refused write: so a token's or a namespace's write
 * on a full disk paged as an outage, and a client that tells the two apart (the Python adapter
 * keeps reading on a refused write) was told the database was gone (docs/adr/0039).
 */
class DiskFullDatabaseTest extends ServiceTest {

  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private final String function = "disk_full_" + suffix;
  private final String refusedName = "full-" + suffix;

  /** Only the rows named {@link #refusedName} are refused: other tests' writes go on. */
  @BeforeEach
  void refuseTheseRowsAsAFullDiskWould() {
    jdbc.sql(
            """
            create function %s() returns trigger language plpgsql as $$
            begin
              if new.name = '%s' then
                raise exception 'could not extend file "base/5/16384": No space left on device'
                  using errcode = 'disk_full';
              end if;
              return new;
            end $$
            """
                .formatted(function, refusedName))
        .update();
    for (String table : new String[] {"api_token", "namespace"}) {
      jdbc.sql(
              "create trigger %s_%s before insert on %s for each row execute function %s()"
                  .formatted(function, table, table, function))
          .update();
    }
  }

  @AfterEach
  void dropTheTriggers() {
    for (String table : new String[] {"api_token", "namespace"}) {
      jdbc.sql("drop trigger %s_%s on %s".formatted(function, table, table)).update();
    }
    jdbc.sql("drop function " + function).update();
  }

  /** A token is written with SQL of the service's own (JdbcClient). */
  @Test
  void shouldAnswerATokenWrittenOnAFullDiskAsWritesRefused() {
    ApiResponse refused =
        api.postJson(
            "/v1/tokens",
            "{\"name\": \"%s\", \"namespace\": \"%s\", \"role\": \"read\"}"
                .formatted(refusedName, ns));

    assertProblem(refused, 503, "database-writes-refused");
    assertThat(refused.json().get("detail").asString()).contains("disk is full");
    assertThat(refused.header("Retry-After")).isNotBlank();
  }

  /** A namespace is written through JPA. */
  @Test
  void shouldAnswerANamespaceWrittenOnAFullDiskAsWritesRefused() {
    ApiResponse refused = api.putJson("/v1/namespaces/" + refusedName, "{}");

    assertProblem(refused, 503, "database-writes-refused");
    assertThat(refused.json().get("detail").asString()).contains("disk is full");
    assertThat(refused.header("Retry-After")).isNotBlank();
  }
}
