package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.SmallPoolServiceTest;
import dev.pt2cache.support.TestInfra;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What presented tokens cost an instance, and how long what it read of them holds.
 *
 * <p>Anyone who reaches the port can send a made-up {@code pt2c_} token with every request, each
 * one new, so each costs a read of the token table and a pooled connection for it. Here the pool
 * has {@value POOL} connections and a wait of 1 s, {@value FLOOD} such requests come at once, and
 * their reads are held at the token table (locked from outside the pool) until every one has either
 * begun its read or been answered. Before the bound they took the whole pool, and the operator's
 * lookup, which reads no token, waited its second for a connection and answered {@code 503
 * database-unavailable}. Now they read a quarter of the pool at a time, the rest are refused {@code
 * 503 token-checks-busy} with nothing read, and the lookup is answered.
 */
class TokenReadsTest extends SmallPoolServiceTest {

  static final int FLOOD = 2 * POOL;

  private static final SecureRandom RANDOM = new SecureRandom();

  @Autowired JdbcClient jdbc;

  @Test
  void shouldLeaveTheFleetThePoolWhileMadeUpTokensFlood() throws Exception {
    ApiClient operator = new ApiClient(port);
    String ns = "tf-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(operator.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
    String lookup =
        "{\"kind\": \"mega-cache\", \"descriptor\": %s}"
            .formatted(Descriptors.of("flood", "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"));
    Map<String, String> env = TestInfra.serviceEnvironment();
    ExecutorService senders = Executors.newFixedThreadPool(FLOOD);
    try (Connection lock = tokenTableLocked(env);
        Connection watch = connect(env)) {
      AtomicInteger answered = new AtomicInteger();
      List<CompletableFuture<ApiResponse>> flood = new ArrayList<>();
      for (int i = 0; i < FLOOD; i++) {
        ApiClient guesser = new ApiClient(port, madeUpToken());
        flood.add(
            CompletableFuture.supplyAsync(
                () -> {
                  ApiResponse answer =
                      guesser.postJson("/v1/namespaces/" + ns + "/lookups", lookup);
                  answered.incrementAndGet();
                  return answer;
                },
                senders));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> readsHeld(watch) + answered.get() == FLOOD);
      int reading = readsHeld(watch);
      ApiResponse fleet = operator.postJson("/v1/namespaces/" + ns + "/lookups", lookup);
      lock.commit();

      assertThat(fleet.status()).as(fleet.text()).isEqualTo(200);
      assertThat(reading).as("a quarter of the pool reads tokens at once").isEqualTo(POOL / 4);
      List<String> outcomes =
          flood.stream().map(CompletableFuture::join).map(this::outcome).toList();
      assertThat(outcomes)
          .containsOnly("401 unauthenticated", "503 token-checks-busy")
          .contains("503 token-checks-busy");
    } finally {
      senders.shutdownNow();
    }
  }

  /**
   * A fleet's first calls after a start all present the few tokens the fleet shares, none of them
   * cached yet: {@value FLOOD} calls with one valid token come at once while the token table is
   * locked, held well past the 1 s wait for a turn. Each call read that one token again, so two
   * read and the rest were refused {@code 503 token-checks-busy} though their token is good; now
   * the calls of one token wait for the one read of it, and every one is answered.
   */
  @Test
  void shouldReadATokenThatAFleetPresentsAtOnceOnlyOnce() throws Exception {
    ApiClient operator = new ApiClient(port);
    String name = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse made =
        operator.postJson("/v1/tokens", "{\"name\":\"%s\",\"role\":\"read\"}".formatted(name));
    String secret = made.json().get("token").asString();
    Map<String, String> env = TestInfra.serviceEnvironment();
    ExecutorService nodes = Executors.newFixedThreadPool(FLOOD);
    try (Connection lock = tokenTableLocked(env);
        Connection watch = connect(env)) {
      List<CompletableFuture<ApiResponse>> fleet = new ArrayList<>();
      for (int i = 0; i < FLOOD; i++) {
        ApiClient node = new ApiClient(port, secret);
        fleet.add(CompletableFuture.supplyAsync(() -> node.get("/v1/namespaces/default"), nodes));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> readsHeld(watch) > 0);
      Thread.sleep(3_000); // three waits for a turn: the calls beyond the share were refused
      int reading = readsHeld(watch);
      // the calls that joined the one read wait on a token check too (before: the gauge said 0)
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(operator.get("/actuator/prometheus").text())
                      .as("every call but the reading one waiting on it")
                      .containsPattern(
                          "(?m)^pt2cache_token_reads_waiting(\\{[^}]*})? " + (FLOOD - 1) + ".0$"));
      lock.commit();

      assertThat(fleet.stream().map(CompletableFuture::join).map(ApiResponse::status).toList())
          .as("every call of the fleet answered")
          .containsOnly(200);
      assertThat(reading).as("one read of the one token").isEqualTo(1);
    } finally {
      nodes.shutdownNow();
    }
  }

  /**
   * What an instance read of a token it trusts for {@code PT2CACHE_AUTH_CACHE_TTL}, no longer: a
   * token revoked on another instance (here: in the table) stops working here, and one made on
   * another instance after someone presented it here (a secret an operator inserts, say) starts to.
   * Waited for with a bound ten times the TTL, so a busy machine does not fail it.
   */
  @Test
  void shouldSeeWhatAnotherInstanceChangedInTheTokenTableWithinTheTtl() {
    ApiClient operator = new ApiClient(port);
    String name = "elsewhere-" + UUID.randomUUID().toString().substring(0, 8);
    ApiResponse made =
        operator.postJson("/v1/tokens", "{\"name\":\"%s\",\"role\":\"read\"}".formatted(name));
    ApiClient node = new ApiClient(port, made.json().get("token").asString());
    assertThat(node.get("/v1/namespaces/default").status())
        .as("read and cached here")
        .isEqualTo(200);
    jdbc.sql("update api_token set revoked_at = now() where name = ?").param(name).update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> node.get("/v1/namespaces/default").status() == 401);

    String secret = madeUpToken();
    ApiClient early = new ApiClient(port, secret);
    assertThat(early.get("/v1/namespaces/default").status()).as("not yet made").isEqualTo(401);
    jdbc.sql(
            """
            insert into api_token (id, name, token_sha256, role, created_at)
            values (gen_random_uuid(), ?, encode(sha256(convert_to(?, 'UTF8')), 'hex'), 'read', now())
            """)
        .params(name + "-late", secret)
        .update();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> early.get("/v1/namespaces/default").status() == 200);
  }

  private String outcome(ApiResponse answer) {
    String type = answer.json().get("type").asString().replace("urn:pt2cache:problem:", "");
    if (answer.status() == 503) {
      assertThat(answer.header("Retry-After")).as("told when to come back").isNotBlank();
    }
    return answer.status() + " " + type;
  }

  private static String madeUpToken() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return "pt2c_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** Sessions of the service waiting for the token table: presented tokens being read. */
  private static int readsHeld(Connection watch) throws SQLException {
    try (PreparedStatement select =
        watch.prepareStatement(
            """
            select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where not l.granted and l.relation = 'api_token'::regclass
               and l.pid <> pg_backend_pid() and a.application_name = ?
            """)) {
      select.setString(1, APPLICATION);
      try (ResultSet rs = select.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** A session of the test's own holding the token table, as a slow or stuck read would. */
  private static Connection tokenTableLocked(Map<String, String> env) throws SQLException {
    Connection lock = connect(env);
    try {
      lock.setAutoCommit(false);
      try (Statement statement = lock.createStatement()) {
        statement.execute("lock table api_token in access exclusive mode");
      }
      return lock;
    } catch (SQLException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static Connection connect(Map<String, String> env) throws SQLException {
    return DriverManager.getConnection(
        env.get("PT2CACHE_DB_URL"), env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
  }
}
