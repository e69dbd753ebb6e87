package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.HeldConnections;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An instance keeps serving while another applies a migration to the schema (docs/adr/0026). The
 * instance's statements are server-prepared (pgjdbc prepares one on a connection once it ran there
 * {@code prepareThreshold}, 5, times); after DDL from another session, PostgreSQL plans them again,
 * and refuses one whose result's row type changed ({@code cached plan must not change result
 * type}), which aborts the transaction it ran in. Each hot path is run, two requests at a time on a
 * pool of 2, until its statements are prepared, the DDL runs from a connection of the test's own,
 * and the path runs again; each test says which answers it allows after the DDL. On a database and
 * bucket of the test's own, so that the DDL touches nothing the other tests use. pgjdbc's {@code
 * flushCacheOnDdl} does not apply: it sees DDL completed on the same connection only.
 */
@Tag("integration")
@ExtendWith(DockerWhenContainers.class)
class MigrationBesideServingTest {

  /** The instance's connections: the fewest it takes, so that each meets the paths often. */
  private static final int POOL_SIZE = 2;

  /** Runs of a path on each of 2 threads before the DDL: over pgjdbc's prepareThreshold (5). */
  private static final int WARM_RUNS = 8;

  /** Runs on each thread after it: the first on each connection meets the new schema. */
  private static final int RUNS_AFTER = 3;

  private static final String DATABASE = "rolling_" + UUID.randomUUID().toString().replace("-", "");

  private static ConfigurableApplicationContext instance;
  private static ApiClient api;
  private static String url;

  private final String ns = "t-" + UUID.randomUUID().toString().substring(0, 12);
  private final String model = Descriptors.uniqueModel();

  @BeforeAll
  static void instanceOfItsOwn() throws SQLException {
    url = TestInfra.createDatabase(DATABASE);
    instance =
        ServiceInstances.start(
            Map.of(
                "PT2CACHE_DB_URL",
                url,
                "PT2CACHE_S3_BUCKET",
                DATABASE.replace('_', '-'),
                "PT2CACHE_DB_POOL_SIZE",
                "2",
                "PT2CACHE_HOUSEKEEPING_ENABLED",
                "false"));
    api = ServiceInstances.client(instance);
  }

  @AfterAll
  static void dropIt() throws SQLException {
    if (instance != null) {
      instance.close();
    }
    TestInfra.dropDatabase(DATABASE);
  }

  /**
   * What a migration may run while older instances serve (docs/adr/0026). Before 2026-12-06 the
   * namespace listing selected {@code *}, whose row type the added column changed: {@code GET
   * /v1/namespaces} answered 500 once on each pooled connection.
   */
  @Test
  void shouldServeEveryHotPathWhileAnotherInstanceAddsANullableColumnToEachTable() {
    assertThat(
            acrossDdl(
                    round ->
                        List.of("artifact", "blob", "namespace", "api_token", "invalidation")
                            .stream()
                            .map(
                                table ->
                                    "alter table " + table + " add column probe_" + round + " text")
                            .toList())
                .values()
                .stream()
                .flatMap(List::stream))
        .isEmpty();
  }

  /**
   * What docs/adr/0026 forbids while older instances serve, though PostgreSQL changes no row for
   * it: a column's type changed in place, here widened. Every statement that reads the column
   * changes its row type; one the instance runs in a transaction (the key's reservation, say)
   * fails, and its request answers 500. pgjdbc then prepares every statement of that connection
   * again, so it costs at most one failure per pooled connection, which this pins.
   */
  @Test
  void shouldFailAtMostOnceAConnectionWhileAnotherInstanceWidensAColumnEachReads() {
    assertThat(
            acrossDdl(
                round ->
                    List.of(
                        "alter table artifact alter column cache_key type varchar("
                            + (300 + round)
                            + ")",
                        "alter table api_token alter column made_by type varchar("
                            + (200 + round)
                            + ")",
                        "alter table namespace alter column updated_by type varchar("
                            + (200 + round)
                            + ")",
                        "alter table invalidation alter column made_by type varchar("
                            + (200 + round)
                            + ")")))
        .allSatisfy((path, answers) -> assertThat(answers).hasSizeLessThanOrEqualTo(POOL_SIZE));
  }

  /**
   * For each hot path: warms it, runs the round's DDL from another session, runs it again; answers
   * each answer after the DDL that was a 5xx or not what the path answers (none during warm-up).
   */
  private Map<String, List<String>> acrossDdl(IntFunction<List<String>> ddl) {
    assertThat(api.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
    byte[] held = Fixtures.randomBytes(1000);
    String ready = upload(Descriptors.of(model), held, new ArrayList<>());
    assertThat(ready).isNotNull();
    String entry = "/v1/namespaces/" + ns + "/entries/fx-graph/held";
    assertThat(api.putBytes(entry, held).status()).isEqualTo(201);

    List<HotPath> paths =
        List.of(
            new HotPath(
                "lookup hit",
                (n, answers) -> looked(answers, "lookup hit", Descriptors.of(model), true)),
            new HotPath(
                "lookup miss",
                (n, answers) ->
                    looked(
                        answers, "lookup miss", Descriptors.of(Descriptors.uniqueModel()), false)),
            new HotPath(
                "download",
                (n, answers) ->
                    expect(
                        answers,
                        "download",
                        api.get("/v1/namespaces/" + ns + "/artifacts/" + ready + "/content"),
                        200)),
            new HotPath(
                "upload and its commit",
                (n, answers) ->
                    upload(Descriptors.of(model + "-" + n), Fixtures.randomBytes(100), answers)),
            new HotPath(
                "entry PUT and GET",
                (n, answers) -> {
                  String key = "/v1/namespaces/" + ns + "/entries/fx-graph/k-" + n;
                  expect(answers, "entry PUT", api.putBytes(key, Fixtures.randomBytes(50)), 201);
                  expect(answers, "entry GET", api.get(entry), 200);
                }),
            new HotPath(
                "token auth",
                (n, answers) -> {
                  ApiResponse made =
                      expect(
                          answers,
                          "token made",
                          api.postJson(
                              "/v1/tokens",
                              "{\"name\": \"r-%s\", \"role\": \"read\", \"namespace\": \"%s\"}"
                                  .formatted(UUID.randomUUID(), ns)),
                          201);
                  if (made.status() == 201) {
                    expect(
                        answers,
                        "token used",
                        api.withToken(made.json().get("token").asString())
                            .get("/v1/namespaces/" + ns),
                        200);
                  }
                }),
            new HotPath(
                "listings",
                (n, answers) -> {
                  expect(
                      answers,
                      "artifacts",
                      api.get("/v1/namespaces/" + ns + "/artifacts?limit=10"),
                      200);
                  expect(answers, "namespaces", api.get("/v1/namespaces"), 200);
                  expect(answers, "tokens", api.get("/v1/tokens"), 200);
                  expect(
                      answers,
                      "invalidations",
                      api.get("/v1/namespaces/" + ns + "/invalidations"),
                      200);
                }),
            new HotPath(
                "invalidation",
                (n, answers) ->
                    expect(
                        answers,
                        "invalidation",
                        api.postJson(
                            "/v1/namespaces/" + ns + "/invalidations",
                            "{\"selector\": {\"modelName\": \"%s-none-%d\"}, \"reason\": \"r\"}"
                                .formatted(model, n)),
                        201)));

    Map<String, List<String>> afterDdl = new LinkedHashMap<>();
    int round = 0;
    for (HotPath path : paths) {
      List<String> warming = onBothConnections(path, round * 100, WARM_RUNS);
      assertThat(warming).as("answers while warming").isEmpty();
      // the connection that served the path most holds its statements server-prepared; the other
      // serves only what overlaps
      assertThat(preparedPerConnection())
          .as("server-prepared statements on the pooled connections")
          .anySatisfy(prepared -> assertThat(prepared).isPositive());
      round++;
      migrate(ddl.apply(round));
      afterDdl.put(
          path.name(),
          onBothConnections(path, round * 100 + 50, RUNS_AFTER).stream()
              .map(answer -> path.name() + " after the DDL: " + answer)
              .toList());
    }
    return afterDdl;
  }

  /** A lookup of the descriptor, which must answer whether it hit. */
  private void looked(List<String> answers, String step, String descriptor, boolean hit) {
    ApiResponse answer =
        expect(
            answers,
            step,
            api.postJson(
                "/v1/namespaces/" + ns + "/lookups", Descriptors.lookup("mega-cache", descriptor)),
            200);
    if (answer.status() == 200 && answer.json().get("hit").asBoolean() != hit) {
      answers.add(step + ": " + answer.text());
    }
  }

  /** Declares and sends; answers the artifact's id, or null where a step answered otherwise. */
  private String upload(String descriptor, byte[] bytes, List<String> answers) {
    ApiResponse declared =
        expect(
            answers,
            "upload declared",
            api.postJson(
                "/v1/namespaces/" + ns + "/artifacts",
                Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length)),
            201);
    if (declared.status() != 201) {
      return null;
    }
    ApiResponse sent =
        expect(
            answers,
            "upload committed",
            api.putBytes(declared.json().get("uploadUrl").asString(), bytes),
            200);
    return sent.status() == 200 ? declared.json().get("id").asString() : null;
  }

  /**
   * Runs the path {@code runs} times on each of {@link #POOL_SIZE} threads at once, so that both
   * connections of the pool serve it where the runs overlap; answers what it answered otherwise
   * than it should.
   */
  private static List<String> onBothConnections(HotPath path, int first, int runs) {
    List<String> answers = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> threads = new ArrayList<>();
    // a thread each, at once: the common pool has one worker on 2 cores from Java 23, where the
    // runs overlapped only while a request of the first waited for its answer
    ExecutorService both = Executors.newFixedThreadPool(POOL_SIZE);
    try {
      for (int t = 0; t < POOL_SIZE; t++) {
        int from = first + t * runs;
        threads.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int n = from; n < from + runs; n++) {
                    try {
                      path.step().accept(n, answers);
                    } catch (AssertionError unlisted) {
                      // the client refuses an answer the contract does not list (a 500 among them)
                      answers.add(unlisted.getMessage().lines().findFirst().orElse(""));
                    }
                  }
                },
                both));
      }
      threads.forEach(CompletableFuture::join);
    } finally {
      both.shutdownNow();
    }
    return List.copyOf(answers);
  }

  private static ApiResponse expect(
      List<String> answers, String step, ApiResponse response, int status) {
    if (response.status() != status) {
      answers.add(step + ": " + response.status() + " " + response.text());
    }
    return response;
  }

  private static void migrate(List<String> statements) {
    Map<String, String> env = TestInfra.serviceEnvironment();
    try (Connection other =
            DriverManager.getConnection(
                url, env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
        Statement statement = other.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many statements each connection of the instance's pool holds prepared in PostgreSQL. */
  private static List<Integer> preparedPerConnection() {
    List<Integer> counts = new ArrayList<>();
    try (HeldConnections held = HeldConnections.every(instance.getBean(DataSource.class))) {
      for (Connection connection : held.connections()) {
        try (Statement statement = connection.createStatement();
            var result = statement.executeQuery("select count(*) from pg_prepared_statements")) {
          result.next();
          counts.add(result.getInt(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return counts;
  }

  /** A path of requests, run with a number of its own and the list its unexpected answers join. */
  private record HotPath(String name, Step step) {}

  @FunctionalInterface
  private interface Step {
    void accept(int n, List<String> answers);
  }
}
