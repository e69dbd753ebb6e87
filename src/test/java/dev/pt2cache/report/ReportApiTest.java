package dev.pt2cache.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ReportApiTest extends ServiceTest {

  final String descriptor = Descriptors.of(Descriptors.uniqueModel());
  String fleetToken;
  ApiClient fleet;

  @BeforeEach
  void fleetToken() {
    fleetToken = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"%s\",\"role\":\"write\",\"namespace\":\"%s\"}".formatted(fleetToken, ns));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    fleet = api.withToken(made.json().get("token").asString());
  }

  @Test
  void shouldRecordAReportAndShowItWithoutRetiringAnything() {
    String id = upload(Fixtures.randomBytes(200));
    String other = upload(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(200));
    double before = reportsMetric();

    ApiResponse reported =
        report(fleet, id, "{\"problem\":\"load-failed\",\"detail\":\"EOFError\",\"node\":\"n1\"}");

    assertThat(reported.status()).as(reported.text()).isEqualTo(201);
    assertThat(reported.json().get("reportCount").asInt()).isEqualTo(1);
    assertThat(reported.json().get("state").asString()).isEqualTo("ready");
    assertThat(reported.json().has("invalidateAfterReports")).isFalse();
    JsonNode item = reported.json().get("items").get(0);
    assertThat(item.get("reporter").asString()).isEqualTo(fleetToken + "/n1");
    assertThat(item.get("problem").asString()).isEqualTo("load-failed");
    assertThat(item.get("detail").asString()).isEqualTo("EOFError");

    assertThat(artifact(id).get("reportCount").asInt()).isEqualTo(1);
    assertThat(artifact(other).get("reportCount").asInt()).isZero();
    assertThat(lookupHit()).as("no threshold: reports retire nothing").isTrue();
    assertThat(listedIds("?reported=true")).containsExactly(id);
    assertThat(listedIds("")).contains(id, other);
    assertThat(reportsMetric()).isEqualTo(before + 1);
    assertThat(api.get(path("")).json().get("reportedArtifacts").asLong()).isEqualTo(1);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                metric(
                        "pt2cache_namespace_reported_artifacts",
                        "[^}]*namespace=\"" + ns + "\"[^}]*")
                    == 1);
    assertThat(api.get(path("/artifacts/" + id + "/reports")).json().get("items").size())
        .isEqualTo(1);
  }

  @Test
  void shouldCountEachReporterOnce() {
    String id = upload(Fixtures.randomBytes(200));

    assertThat(report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}").status())
        .isEqualTo(201);
    ApiResponse again =
        report(
            fleet,
            id,
            "{\"problem\":\"wrong-output\",\"detail\":\"max diff 3.1\",\"node\":\"n1\"}");
    assertThat(again.status()).as("the same node again replaces its report").isEqualTo(200);
    assertThat(again.json().get("reportCount").asInt()).isEqualTo(1);
    assertThat(again.json().get("items").get(0).get("problem").asString())
        .isEqualTo("wrong-output");

    ApiResponse second = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n2\"}");
    assertThat(second.status()).isEqualTo(201);
    ApiResponse tokenOnly = report(fleet, id, "{\"problem\":\"other\"}");
    assertThat(tokenOnly.status()).isEqualTo(201);
    assertThat(tokenOnly.json().get("reportCount").asInt()).isEqualTo(3);
    assertThat(artifact(id).get("reportCount").asInt()).isEqualTo(3);
  }

  @Test
  void shouldRetireTheArtifactWhenTheNamespaceThresholdIsReached() {
    threshold(2);
    String id = upload(Fixtures.randomBytes(200));

    ApiResponse first = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}");
    assertThat(first.json().get("state").asString()).isEqualTo("ready");
    assertThat(first.json().get("invalidateAfterReports").asInt()).isEqualTo(2);
    assertThat(lookupHit()).isTrue();

    ApiResponse second =
        report(fleet, id, "{\"problem\":\"load-failed\",\"detail\":\"bad magic\",\"node\":\"n2\"}");
    assertThat(second.json().get("state").asString()).isEqualTo("invalidated");
    assertThat(api.get(path("")).json().get("reportedArtifacts").asLong())
        .as("only ready artifacts count")
        .isZero();
    String invalidationId = second.json().get("invalidationId").asString();
    assertThat(lookupHit()).isFalse();
    JsonNode audit = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(audit.get("id").asString()).isEqualTo(invalidationId);
    assertThat(audit.get("invalidated").asLong()).isEqualTo(1);
    assertThat(audit.get("blocking").asBoolean()).isFalse();
    assertThat(audit.get("selector").get("artifactIds").get(0).asString()).isEqualTo(id);
    assertThat(audit.get("reason").asString())
        .startsWith("reported as failing by 2 distinct reporters")
        .endsWith("load-failed: bad magic");

    String rebuilt = upload(Fixtures.randomBytes(200));
    assertThat(rebuilt).isNotEqualTo(id);
    assertThat(lookupHit()).as("a fresh upload takes the key again").isTrue();
    ApiResponse late = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n3\"}");
    assertThat(late.status()).as("a late report is recorded").isEqualTo(201);
    assertThat(invalidationCount()).as("and retires nothing more").isEqualTo(1);
  }

  /**
   * An operator who sets or lowers the threshold after the alert: the fleet has reported once
   * already, and each node reports again at its next failed start.
   */
  @Test
  void shouldRetireAtTheNextReportWhenTheThresholdIsSetBelowTheReportersHeard() {
    String id = upload(Fixtures.randomBytes(200));
    for (String node : new String[] {"n1", "n2", "n3"}) {
      report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"%s\"}".formatted(node));
    }
    assertThat(artifact(id).get("state").asString()).isEqualTo("ready");

    threshold(2);
    assertThat(artifact(id).get("state").asString())
        .as("the setting alone retires nothing")
        .isEqualTo("ready");
    ApiResponse again = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}");

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("state").asString()).isEqualTo("invalidated");
    assertThat(lookupHit()).isFalse();
    assertThat(api.get(path("/invalidations")).json().get("items").get(0).get("reason").asString())
        .startsWith("reported as failing by 3 distinct reporters (the namespace retires at 2)");
    report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n2\"}");
    assertThat(invalidationCount()).as("retired once").isEqualTo(1);
  }

  @Test
  void shouldRetireOnceWhenReportsCrossTheThresholdTogether() throws Exception {
    threshold(3);
    String id = upload(Fixtures.randomBytes(200));
    int nodes = 8;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      List<Future<ApiResponse>> sent = new ArrayList<>();
      for (int n = 0; n < nodes; n++) {
        String body = "{\"problem\":\"load-failed\",\"node\":\"n%d\"}".formatted(n);
        sent.add(pool.submit(() -> report(fleet, id, body)));
      }
      for (Future<ApiResponse> answer : sent) {
        assertThat(answer.get().status()).as(answer.get().text()).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(artifact(id).get("reportCount").asInt()).isEqualTo(nodes);
    assertThat(artifact(id).get("state").asString()).isEqualTo("invalidated");
    assertThat(invalidationCount()).isEqualTo(1);
  }

  @Test
  void shouldRefuseBadReportsAndRecordNothing() {
    String id = upload(Fixtures.randomBytes(200));

    assertProblem(report(fleet, id, "{\"problem\":\"slow\"}"), 400, "malformed-request");
    assertProblem(
        report(fleet, id, "{\"problem\":\"other\",\"nodes\":\"n1\"}"), 400, "malformed-request");
    assertProblem(
        report(fleet, id, "{\"problem\":\"other\",\"node\":\"n 1\"}"), 400, "invalid-request");
    assertProblem(report(fleet, id, "{\"detail\":\"x\"}"), 400, "invalid-request");
    assertProblem(
        report(fleet, id, "{\"problem\":\"other\",\"detail\":\"a\\u0000b\"}"),
        400,
        "invalid-request");
    assertProblem(
        report(fleet, id, "{\"problem\":\"other\",\"detail\":\"forged\\nINFO all is well\"}"),
        400,
        "invalid-request");
    assertProblem(
        report(fleet, UUID.randomUUID().toString(), "{\"problem\":\"other\"}"),
        404,
        "artifact-not-found");
    assertProblem(
        api.postJson(
            "/v1/namespaces/" + ns + "-none/artifacts/" + id + "/reports",
            "{\"problem\":\"other\"}"),
        404,
        "namespace-not-found");
    ApiClient reader = api.withToken(token("read"));
    assertProblem(report(reader, id, "{\"problem\":\"other\"}"), 403, "forbidden");
    assertProblem(
        report(api.withToken(null), id, "{\"problem\":\"other\"}"), 401, "unauthenticated");

    assertThat(artifact(id).get("reportCount").asInt()).isZero();
    assertThat(api.get(path("/artifacts/" + id + "/reports")).json().get("items").isEmpty())
        .isTrue();
  }

  @Test
  void shouldKeepAtMostAThousandReportersPerArtifact() {
    String id = upload(Fixtures.randomBytes(200));
    jdbc.sql(
            """
            insert into artifact_report (artifact_id, reporter, problem)
            select ?::uuid, 'seeded/' || n, 'other' from generate_series(1, 999) n
            """)
        .param(id)
        .update();
    jdbc.sql("update artifact set report_count = 999 where id = ?::uuid").param(id).update();

    assertThat(report(fleet, id, "{\"problem\":\"other\",\"node\":\"n1000\"}").status())
        .isEqualTo(201);
    ApiResponse beyond = report(fleet, id, "{\"problem\":\"other\",\"node\":\"n1001\"}");
    assertThat(beyond.status()).as("answered, not kept").isEqualTo(200);
    assertThat(beyond.json().get("reportCount").asInt()).isEqualTo(1000);
    ApiResponse again = report(fleet, id, "{\"problem\":\"wrong-output\",\"node\":\"n1000\"}");
    assertThat(again.status()).as("a reporter already kept still updates").isEqualTo(200);
    assertThat(again.json().get("items").get(0).get("problem").asString())
        .isEqualTo("wrong-output");
    assertThat(
            jdbc.sql("select count(*) from artifact_report where artifact_id = ?::uuid")
                .param(id)
                .query(Long.class)
                .single())
        .isEqualTo(1000);

    threshold(500);
    ApiResponse newcomer = report(fleet, id, "{\"problem\":\"other\",\"node\":\"n1002\"}");
    assertThat(newcomer.json().get("state").asString())
        .as("a threshold lowered below the reporters kept retires at the next report, of anyone")
        .isEqualTo("invalidated");
  }

  /**
   * An operator sees every reporter kept in one answer: the list has no cursor, and its limit
   * stopped at 500 of the 1000 reporters an artifact keeps, so half of them could not be read.
   */
  @Test
  void shouldListEveryReporterKeptInOnePage() {
    String id = upload(Fixtures.randomBytes(200));
    jdbc.sql(
            """
            insert into artifact_report (artifact_id, reporter, problem, reported_at)
            select ?::uuid, 'seeded/' || n, 'other', now() - make_interval(secs => n / 3)
              from generate_series(1, 1000) n
            """)
        .param(id)
        .update();
    jdbc.sql("update artifact set report_count = 1000 where id = ?::uuid").param(id).update();

    ApiResponse all = api.get(path("/artifacts/" + id + "/reports?limit=1000"));

    assertThat(all.status()).as(all.text()).isEqualTo(200);
    List<String> reporters = new ArrayList<>();
    all.json().get("items").forEach(r -> reporters.add(r.get("reporter").asString()));
    assertThat(reporters).hasSize(1000).doesNotHaveDuplicates();
    assertProblem(
        api.get(path("/artifacts/" + id + "/reports?limit=1001")), 400, "invalid-request");
  }

  @Test
  void shouldGoWithTheirArtifactWhenPurgeDeletesIt() {
    String id = upload(Fixtures.randomBytes(200));
    report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}");
    api.postJson(
        path("/invalidations"),
        "{\"selector\": {\"artifactIds\": [\"" + id + "\"]}, \"reason\": \"bad\"}");

    runJob("purge");

    assertProblem(api.get(path("/artifacts/" + id + "/reports")), 404, "artifact-not-found");
    assertThat(
            jdbc.sql("select count(*) from artifact_report where artifact_id = ?::uuid")
                .param(id)
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void shouldRefuseAReportOnAPendingArtifact() {
    byte[] bytes = Fixtures.randomBytes(200);
    ApiResponse declared = declareMegaCache(descriptor, bytes);
    assertThat(declared.json().get("state").asString()).isEqualTo("pending");

    assertProblem(
        report(fleet, declared.json().get("id").asString(), "{\"problem\":\"load-failed\"}"),
        409,
        "not-ready");
  }

  @Test
  void shouldKeepTheThresholdAsANamespaceSetting() {
    threshold(3);
    assertThat(api.get(path("")).json().get("invalidateAfterReports").asInt()).isEqualTo(3);
    assertProblem(api.putJson(path(""), "{\"invalidateAfterReports\": 0}"), 400, "invalid-request");
    assertThat(api.get(path("")).json().get("invalidateAfterReports").asInt()).isEqualTo(3);
    assertThat(api.putJson(path(""), "{}").status()).isEqualTo(200);
    assertThat(api.get(path("")).json().has("invalidateAfterReports")).isFalse();
  }

  @Test
  void shouldLetAnAdminClearReportsSoTheArtifactCountsFromZeroAgain() {
    threshold(2);
    String id = upload(Fixtures.randomBytes(200));
    assertThat(report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}").status())
        .isEqualTo(201);

    ApiResponse byWriter = fleet.delete(path("/artifacts/" + id + "/reports"));
    assertProblem(byWriter, 403, "forbidden");
    assertThat(artifact(id).get("reportCount").asInt()).isEqualTo(1);

    ApiResponse cleared =
        api.withToken(token("admin")).delete(path("/artifacts/" + id + "/reports"));

    assertThat(cleared.status()).as(cleared.text()).isEqualTo(200);
    assertThat(cleared.json().get("reportCount").asInt()).isZero();
    assertThat(cleared.json().get("items")).isEmpty();
    assertThat(api.get(path("/artifacts/" + id + "/reports")).json().get("items")).isEmpty();
    assertThat(listedIds("?reported=true")).isEmpty();
    assertThat(api.get(path("")).json().get("reportedArtifacts").asLong()).isZero();

    ApiResponse again = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n1\"}");
    assertThat(again.status()).as("the same node counts anew").isEqualTo(201);
    assertThat(again.json().get("reportCount").asInt()).isEqualTo(1);
    assertThat(again.json().get("state").asString()).isEqualTo("ready");
    ApiResponse second = report(fleet, id, "{\"problem\":\"load-failed\",\"node\":\"n2\"}");
    assertThat(second.json().get("state").asString()).isEqualTo("invalidated");

    assertProblem(
        api.delete(path("/artifacts/" + UUID.randomUUID() + "/reports")),
        404,
        "artifact-not-found");
  }

  @Test
  void shouldKeepTheCountEqualToTheReportsKeptWhenClearedWhileNodesReport() throws Exception {
    String id = upload(Fixtures.randomBytes(200));
    int nodes = 12;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ApiResponse>> sent = new ArrayList<>();
      for (int n = 0; n < nodes; n++) {
        String body = "{\"problem\":\"load-failed\",\"node\":\"n%d\"}".formatted(n);
        sent.add(pool.submit(() -> report(fleet, id, body)));
        if (n == nodes / 2) {
          sent.add(pool.submit(() -> api.delete(path("/artifacts/" + id + "/reports"))));
        }
      }
      for (Future<ApiResponse> answer : sent) {
        assertThat(answer.get().status()).as(answer.get().text()).isIn(200, 201);
      }
    } finally {
      pool.shutdownNow();
    }
    int kept = api.get(path("/artifacts/" + id + "/reports?limit=500")).json().get("items").size();
    assertThat(artifact(id).get("reportCount").asInt()).isEqualTo(kept);
    assertThat(kept).isLessThanOrEqualTo(nodes);
  }

  private String upload(byte[] bytes) {
    return upload(descriptor, bytes);
  }

  private String upload(String descriptor, byte[] bytes) {
    return uploadMegaCache(descriptor, bytes).json().get("id").asString();
  }

  private ApiResponse report(ApiClient client, String id, String body) {
    return client.postJson(path("/artifacts/" + id + "/reports"), body);
  }

  private JsonNode artifact(String id) {
    return api.get(path("/artifacts/" + id)).json();
  }

  private boolean lookupHit() {
    return api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor))
        .json()
        .get("hit")
        .asBoolean();
  }

  private List<String> listedIds(String query) {
    List<String> ids = new ArrayList<>();
    api.get(path("/artifacts" + query))
        .json()
        .get("items")
        .forEach(a -> ids.add(a.get("id").asString()));
    return ids;
  }

  private void threshold(int reports) {
    ApiResponse put = api.putJson(path(""), "{\"invalidateAfterReports\": %d}".formatted(reports));
    assertThat(put.status()).as(put.text()).isEqualTo(200);
  }

  private long invalidationCount() {
    return api.get(path("/invalidations")).json().get("items").size();
  }

  private double reportsMetric() {
    return counted("pt2cache.artifact.reports", "namespace", ns, "problem", "load-failed");
  }

  private String token(String role) {
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\":\"%s-%s\",\"role\":\"%s\",\"namespace\":\"%s\"}"
                .formatted(role, UUID.randomUUID().toString().substring(0, 8), role, ns));
    return made.json().get("token").asString();
  }
}
