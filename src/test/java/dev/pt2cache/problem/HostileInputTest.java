package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 7 for what an HTTP fuzzer sent beyond BadInputTest. Each gets a 4xx problem whose type
 * the contract lists, and changes nothing.
 */
class HostileInputTest extends ServiceTest {

  @Nested
  class Filters {

    /**
     * A NUL in a tag filter reached PostgreSQL bound into a JSON function and broke the protocol
     * itself (08P01): the pooled connection was dropped, an ERROR was logged as if the database had
     * failed, and the caller's typo got 503 database-unavailable with Retry-After.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tag=pool:a%00b", "tag=po%00ol:a", "modelName=a%00b", "gpu=%00"})
    void shouldRefuseANulInAnyFilterBeforeTheDatabaseSeesIt(String query) {
      ApiResponse answer = api.get(path("/artifacts?" + query));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("U+0000").doesNotContain("ERROR");
      assertThat(api.get(path("/artifacts?tag=pool:a")).status()).isEqualTo(200);
    }
  }

  @Nested
  class Headers {

    /**
     * An Accept header Spring cannot parse failed content negotiation twice, the second time while
     * writing the problem, which Spring then drops: a 406 without a body or a type, whatever the
     * call, a 401 or a 404 included.
     */
    @Test
    void shouldAnswerAnUnparseableAcceptWithAProblem() {
      for (String accept : new String[] {"garbage///", "*/*;q=x", "text/html;charset="}) {
        assertProblem(api.get(path(""), "Accept", accept), 406, "not-acceptable");
        assertProblem(
            api.get("/v1/namespaces/no-such-ns", "Accept", accept), 406, "not-acceptable");
        assertProblem(
            api.withToken(null).get(path("/artifacts"), "Accept", accept), 406, "not-acceptable");
      }
      // one the service cannot serve stays the 406 it was, and one it can serves
      assertProblem(api.get(path(""), "Accept", "application/xml"), 406, "not-acceptable");
      assertThat(api.get(path(""), "Accept", "application/json").status()).isEqualTo(200);
    }
  }
}
