package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.SmallPoolServiceTest;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A blocking invalidation holds two pooled connections while it retires (ADR 0029): one for the
 * read of its matches, one for each batch. As many at once as the pool has connections each took
 * one and waited for a second until the connection wait ran out. Here the pool has {@value POOL}
 * connections and a wait of 1 s, and {@value POOL} blocking invalidations are sent at once; their
 * reads are held at the artifact table (locked from outside the pool) until every one has either
 * begun its read or been answered, so that they are all in the pool together. Before the bound, all
 * of them read, none got a connection for a batch, and those that gave up first answered {@code 503
 * database-unavailable} after the wait (two of four, with a pool of four), their rules left in
 * force with nothing retired. Now a quarter of the pool retires at once and the rest are refused
 * before they change anything.
 */
class BlockingInvalidationPoolTest extends SmallPoolServiceTest {

  static final int SLOTS = POOL / 4;
  static final int MATCHES = 3;

  @Test
  void shouldRetireAsManyAtOnceAsThePoolHoldsAndRefuseTheRestUnchanged() throws Exception {
    ApiClient api = new ApiClient(port);
    String ns = "bp-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(api.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
    Map<String, String> env = TestInfra.serviceEnvironment();
    ExecutorService senders = Executors.newFixedThreadPool(POOL);
    try (Connection lock = connect(env);
        Connection watch = connect(env)) {
      for (int i = 0; i < POOL; i++) {
        seed(watch, ns, "model-" + i);
      }
      lock.setAutoCommit(false);
      try (Statement statement = lock.createStatement()) {
        statement.execute("lock table artifact in access exclusive mode");
      }
      AtomicInteger answered = new AtomicInteger();
      List<CompletableFuture<ApiResponse>> sent = new ArrayList<>();
      for (int i = 0; i < POOL; i++) {
        String body =
            "{\"selector\": {\"modelName\": \"model-%d\"}, \"reason\": \"pool %d\", \"block\": true}"
                .formatted(i, i);
        sent.add(
            CompletableFuture.supplyAsync(
                () -> {
                  ApiResponse answer =
                      api.postJson("/v1/namespaces/" + ns + "/invalidations", body);
                  answered.incrementAndGet();
                  return answer;
                },
                senders));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> readsHeld(watch) + answered.get() == POOL);
      int reading = readsHeld(watch);
      String scrape = api.get("/actuator/prometheus").text();
      lock.commit();

      List<ApiResponse> answers = sent.stream().map(CompletableFuture::join).toList();
      List<String> outcomes =
          answers.stream()
              .map(
                  a ->
                      a.status() + (a.status() == 201 ? "" : " " + a.json().get("type").asString()))
              .toList();
      assertThat(outcomes)
          .as("none waited for a connection that the others held")
          .doesNotContain("503 urn:pt2cache:problem:database-unavailable");
      assertThat(reading).as("a quarter of the pool reads at once").isEqualTo(SLOTS);
      assertThat(scrape)
          .as("the slots held, as an operator reads them")
          .containsPattern(
              "(?m)^pt2cache_invalidations_retiring(\\{[^}]*})? " + SLOTS + "(\\.0)?$");
      for (int i = 0; i < POOL; i++) {
        ApiResponse answer = answers.get(i);
        if (answer.status() == 201) {
          assertThat(answer.json().get("invalidated").asInt()).isEqualTo(MATCHES);
        } else {
          assertThat(answer.status()).as(answer.text()).isEqualTo(503);
          assertThat(answer.json().get("type").asString())
              .isEqualTo("urn:pt2cache:problem:invalidations-busy");
          assertThat(answer.header("Retry-After")).isNotBlank();
          assertThat(ready(watch, ns, "model-" + i))
              .as("one refused retired nothing")
              .isEqualTo(MATCHES);
          assertThat(rules(watch, ns, "pool " + i)).as("and recorded no rule").isZero();
        }
      }
      assertThat(answers.stream().filter(a -> a.status() == 201).count()).isEqualTo(SLOTS);
    } finally {
      senders.shutdownNow();
    }
  }

  /** Sessions of the service waiting for the artifact table: blocking invalidations reading. */
  private static int readsHeld(Connection watch) throws SQLException {
    return count(
        watch,
        """
        select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid
         where not l.granted and l.relation = 'artifact'::regclass and l.pid <> pg_backend_pid()
           and a.application_name = ?
        """,
        APPLICATION);
  }

  private static int ready(Connection db, String ns, String model) throws SQLException {
    return count(
        db,
        "select count(*) from artifact where namespace = ? and model_name = ? and state = 'READY'",
        ns,
        model);
  }

  private static int rules(Connection db, String ns, String reason) throws SQLException {
    return count(
        db, "select count(*) from invalidation where namespace = ? and reason = ?", ns, reason);
  }

  private static int count(Connection db, String sql, String... params) throws SQLException {
    try (PreparedStatement select = db.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        select.setString(i + 1, params[i]);
      }
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void seed(Connection db, String ns, String model) throws SQLException {
    try (PreparedStatement insert =
        db.prepareStatement(
            """
            insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,
                                  created_at, ready_at, hit_count, model_name, model_version,
                                  torch_version, gpu_name, descriptor)
            select gen_random_uuid(), ?, 'mega-cache', encode(sha256((? || i)::bytea), 'hex'),
                   'READY', encode(sha256((? || i)::bytea), 'hex'), 1000, now(), now(), 0,
                   ?, '1', '2.11.0+cu130', 'NVIDIA H100 80GB HBM3',
                   '{"model":{"name":"seeded","version":"1"}}'::jsonb
              from generate_series(1, ?) i
            """)) {
      insert.setString(1, ns);
      insert.setString(2, ns + model + "-key-");
      insert.setString(3, ns + model + "-blob-");
      insert.setString(4, model);
      insert.setInt(5, MATCHES);
      insert.executeUpdate();
    }
  }

  private static Connection connect(Map<String, String> env) throws SQLException {
    return DriverManager.getConnection(
        env.get("PT2CACHE_DB_URL"), env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
  }
}
