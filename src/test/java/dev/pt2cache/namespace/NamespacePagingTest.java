package dev.pt2cache.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/namespaces} on a service with thousands of namespaces: one answer held them all
 * (10,000 namespaces: 3 MB, 0.9 to 2.9 s, and their names as 10,000 bind parameters of one query).
 * It answers pages now, by name, as every other listing does.
 */
class NamespacePagingTest extends ServiceTest {

  private final String prefix = "page-" + UUID.randomUUID().toString().substring(0, 8) + "-";

  /**
   * One namespace a transaction: one statement over all of them deleted their usage rows in its own
   * order, and once in the whole suite deadlocked with an instance's usage refresh, which writes
   * them in name order.
   */
  @AfterEach
  void dropSeeded() {
    for (String name :
        jdbc.sql("select name from namespace where name like ? order by name")
            .param(prefix + "%")
            .query(String.class)
            .list()) {
      jdbc.sql("delete from namespace where name = ?").param(name).update();
    }
  }

  @Test
  void shouldAnswerAtMostAThousandAndTheRestPageByPage() {
    jdbc.sql(
            "insert into namespace (name) select ? || lpad(i::text, 5, '0')"
                + " from generate_series(1, 1100) i")
        .param(prefix)
        .update();

    ApiResponse first = api.get("/v1/namespaces");
    assertThat(first.json().get("items").size()).isEqualTo(1000);
    assertThat(first.json().has("nextCursor")).isTrue();

    List<String> names = everyName(api, 300);
    assertThat(names).doesNotHaveDuplicates().isSorted().contains("default", ns);
    assertThat(names.stream().filter(n -> n.startsWith(prefix))).hasSize(1100);
  }

  /**
   * Every namespace's name, following {@code nextCursor} page by page, each at most {@code limit}.
   */
  static List<String> everyName(ApiClient api, int limit) {
    List<String> names = new ArrayList<>();
    String url = "/v1/namespaces?limit=" + limit;
    while (url != null) {
      ApiResponse page = api.get(url);
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      assertThat(page.json().get("items").size()).isLessThanOrEqualTo(limit);
      page.json().get("items").forEach(n -> names.add(n.get("name").asString()));
      url =
          page.json().has("nextCursor")
              ? "/v1/namespaces?limit="
                  + limit
                  + "&cursor="
                  + page.json().get("nextCursor").asString()
              : null;
    }
    return names;
  }

  @Test
  void shouldRefuseACursorItDidNotIssue() {
    assertProblem(api.get("/v1/namespaces?cursor=AAAA"), 400, "invalid-request");
    assertProblem(api.get("/v1/namespaces?limit=1001"), 400, "invalid-request");
  }
}
