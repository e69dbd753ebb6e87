package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.RowsRead;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TaskThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Standing rules: an invalidation that goes on refusing what it matches. */
class BlockingRuleTest extends ServiceTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  static final String BAD_TORCH = "2.11.0.dev20261101+cu130";

  final String model = Descriptors.uniqueModel();
  final String badBuild = Descriptors.of(model, "1", BAD_TORCH, "NVIDIA H100 80GB HBM3");
  final String goodBuild = Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
  final byte[] bytes = Fixtures.randomBytes(500);

  @Autowired DataSource dataSource;

  JsonNode rule(String extra) {
    ApiResponse created =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"torch\": \"%s\"}, \"reason\": \"miscompiles conv2d\", \"block\": true%s}"
                .formatted(BAD_TORCH, extra));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    return created.json();
  }

  @Test
  void shouldRefuseMatchingUploadsWhileActive() {
    JsonNode rule = rule("");
    assertThat(rule.get("blocking").asBoolean()).isTrue();
    assertThat(rule.get("active").asBoolean()).isTrue();

    ApiResponse refused = declareMegaCache(badBuild, bytes);
    assertProblem(refused, 409, "blocked-by-rule");
    assertThat(refused.json().get("detail").asString()).contains(rule.get("id").asString());
    assertThat(declareMegaCache(goodBuild, bytes).status()).isEqualTo(201);
  }

  /**
   * A rule is its namespace's: another team's namespace, with the same build stored, goes on
   * serving it and taking its uploads, through the serving reads and the uploads' check alike.
   */
  @Test
  void shouldBlockNothingInAnotherNamespace() {
    String ruled = ns;
    String other = "t-" + UUID.randomUUID().toString().substring(0, 12);
    assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isEqualTo(201);
    ns = other;
    String stored = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    ns = ruled;
    rule("");
    assertProblem(declareMegaCache(badBuild, Fixtures.randomBytes(500)), 409, "blocked-by-rule");

    ns = other;
    JsonNode lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", badBuild)).json();
    assertThat(lookup.get("hit").asBoolean()).as(lookup.toString()).isTrue();
    assertThat(api.get(path("/artifacts/" + stored + "/content")).status()).isEqualTo(200);
    String otherBuild = Descriptors.of(model, "2", BAD_TORCH, "NVIDIA H100 80GB HBM3");
    assertThat(declareMegaCache(otherBuild, Fixtures.randomBytes(500)).status()).isEqualTo(201);
  }

  @Test
  void shouldRetireWhatItMatchesWhenCreated() {
    String id = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    assertThat(rule("").get("invalidated").asLong()).isEqualTo(1);
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
  }

  @Test
  void shouldNeverServeWhatItBlocksEvenIfItIsReady() {
    String id = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    JsonNode rule = rule("");
    // as if an artifact slipped past (restored from a backup, say): still not served
    jdbc.sql("update artifact set state = 'READY' where id = ?::uuid").param(id).update();

    JsonNode lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", badBuild)).json();
    assertThat(lookup.get("hit").asBoolean()).isFalse();
    assertThat(lookup.get("miss").get("reason").asString()).isEqualTo("blocked");
    assertThat(lookup.get("miss").get("detail").asString()).contains(rule.get("id").asString());
  }

  /**
   * A miss under a rule says "blocked", whether the key held an artifact the rule retired or
   * nothing ever: "compile and upload" would send the node to an upload the rule refuses.
   */
  @Test
  void shouldAnswerBlockedForAMissTheRuleWouldRefuse() {
    uploadMegaCache(badBuild, bytes);
    JsonNode rule = rule("");
    String neverStored = Descriptors.of(Descriptors.uniqueModel(), "1", BAD_TORCH, "NVIDIA L4");

    for (String descriptor : new String[] {badBuild, neverStored}) {
      assertBlockedBy(rule, descriptor);
    }
    JsonNode allowed =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", goodBuild)).json();
    assertThat(allowed.get("miss").get("reason").asString()).isEqualTo("not-found");
  }

  /**
   * A rule made while a matching upload was being reserved: its retirement did not see the
   * reservation (written here as that rule, with the reservation left pending). The commit checks
   * the rules again, so the bytes never make a ready artifact that lifting the rule would serve.
   */
  @Test
  void shouldRefuseAtCommitAnUploadReservedWhileTheRuleWasMade() {
    ApiResponse declared = declareMegaCache(badBuild, bytes);
    assertThat(declared.status()).isEqualTo(201);
    UUID ruleId = UUID.randomUUID();
    jdbc.sql(
            """
            insert into invalidation (id, namespace, selector, reason, blocking)
            values (?, ?, cast(? as jsonb), 'miscompiles conv2d', true)
            """)
        .params(ruleId, ns, "{\"torch\": \"%s\"}".formatted(BAD_TORCH))
        .update();

    ApiResponse sent = api.putBytes(declared.json().get("uploadUrl").asString(), bytes);

    assertProblem(sent, 409, "blocked-by-rule");
    assertThat(api.get(path("/artifacts/" + declared.json().get("id").asString())).status())
        .isEqualTo(404);
    assertThat(api.postJson(path("/invalidations/" + ruleId + "/lift"), "").status())
        .isEqualTo(200);
    ApiResponse lookup = api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", badBuild));
    assertThat(lookup.json().get("hit").asBoolean())
        .as("lifting the rule serves nothing it refused")
        .isFalse();
  }

  /**
   * The same race for a declaration made ready at once from content the namespace stores: the test
   * holds the rules lock, as a rule being made does, while the declaration passes its first check
   * and waits; the rule is written and the lock let go. The declaration checks again.
   */
  @Test
  void shouldRefuseADeclarationReadyAtOnceWhenARuleWasMadeMeanwhile() throws Exception {
    uploadMegaCache(goodBuild, bytes);
    try (Connection rule = dataSource.getConnection()) {
      rule.setAutoCommit(false);
      try (PreparedStatement lock =
          rule.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
        lock.setString(1, "rules:" + ns);
        lock.execute();
      }
      CompletableFuture<ApiResponse> declared =
          CompletableFuture.supplyAsync(() -> declareMegaCache(badBuild, bytes), threads);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  jdbc.sql(
                              "select count(*) from pg_locks where locktype = 'advisory' and not granted")
                          .query(Long.class)
                          .single()
                      > 0);
      try (PreparedStatement insert =
          rule.prepareStatement(
              "insert into invalidation (id, namespace, selector, reason, blocking)"
                  + " values (?, ?, cast(? as jsonb), 'miscompiles conv2d', true)")) {
        insert.setObject(1, UUID.randomUUID());
        insert.setString(2, ns);
        insert.setString(3, "{\"torch\": \"%s\"}".formatted(BAD_TORCH));
        insert.execute();
      }
      rule.commit();

      assertProblem(declared.get(10, TimeUnit.SECONDS), 409, "blocked-by-rule");
    }
    ApiResponse lookup = api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", badBuild));
    assertThat(lookup.json().get("hit").asBoolean()).isFalse();
    assertThat(
            jdbc.sql("select count(*) from artifact where namespace = ? and state = 'READY'")
                .param(ns)
                .query(Long.class)
                .single())
        .as("only the good build's artifact")
        .isEqualTo(1);
  }

  /**
   * A rule that matches many artifacts is in force, and the namespace's commits go on, while its
   * matches are still being retired. The test holds the row of one match, so the retirement waits
   * there, as it would behind 10^5 rows (16 s in one transaction, during which every upload commit
   * in the namespace waited for the rules lock: ADR 0029).
   */
  @Test
  void shouldPutTheRuleInForceAndLetCommitsGoOnWhileItsMatchesAreRetired() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    uploadMegaCache(Descriptors.of(model, "2", BAD_TORCH, "NVIDIA L4"), Fixtures.randomBytes(50));
    CompletableFuture<ApiResponse> made;
    try (Connection row = holdingRow(held)) {
      made =
          CompletableFuture.supplyAsync(
              () ->
                  api.postJson(
                      path("/invalidations"),
                      "{\"selector\": {\"torch\": \"%s\"}, \"reason\": \"r\", \"block\": true}"
                          .formatted(BAD_TORCH)),
              threads);
      await().atMost(Duration.ofSeconds(10)).until(this::ruleInForce);

      JsonNode lookup =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", badBuild)).json();
      assertThat(lookup.get("hit").asBoolean())
          .as("the rule is in force while its matches are being retired")
          .isFalse();
      CompletableFuture<ApiResponse> upload =
          CompletableFuture.supplyAsync(
              () -> uploadMegaCache(goodBuild, Fixtures.randomBytes(50)), threads);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> upload.isDone() || waiting("advisory") > 0);
      assertThat(upload)
          .as("an upload commit in the namespace does not wait for the retirement")
          .isDone();
      row.rollback();
    }
    JsonNode rule = made.get(10, TimeUnit.SECONDS).json();
    assertThat(rule.get("invalidated").asLong()).isEqualTo(2);
    assertThat(api.get(path("/artifacts/" + held)).json().get("state").asString())
        .isEqualTo("invalidated");
  }

  /**
   * A rule in force retires its matches before their batch comes (ADR 0029): bytes sent again to
   * one of them are answered as a GET of its content is, 410, not ready. Found by the concurrent
   * walk (seed 216): a content GET answered 410 and a resend begun after it answered 200 ready.
   */
  @Test
  void shouldAnswerAResendToAMatchRetiredWhileItsBatchHasNotCome() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    CompletableFuture<ApiResponse> made;
    try (Connection row = holdingRow(held)) {
      made =
          CompletableFuture.supplyAsync(
              () -> api.postJson(path("/invalidations"), blockBad()), threads);
      await().atMost(Duration.ofSeconds(10)).until(this::ruleInForce);

      assertProblem(api.get(path("/artifacts/" + held + "/content")), 410, "invalidated");
      ApiResponse resent = api.putBytes(path("/artifacts/" + held + "/content"), bytes);
      assertProblem(resent, 410, "invalidated");
      row.rollback();
    }
    assertThat(made.get(10, TimeUnit.SECONDS).json().get("invalidated").asLong()).isEqualTo(1);
    assertProblem(api.putBytes(path("/artifacts/" + held + "/content"), bytes), 410, "invalidated");
  }

  private Connection holdingRow(String id) throws SQLException {
    return holdingRow(dataSource, id);
  }

  /** A transaction holding the artifact's row, which a blocking rule's batch waits for. */
  static Connection holdingRow(DataSource dataSource, String id) throws SQLException {
    Connection row = dataSource.getConnection();
    row.setAutoCommit(false);
    try (PreparedStatement lock =
        row.prepareStatement("select id from artifact where id = ?::uuid for update")) {
      lock.setString(1, id);
      lock.execute();
    }
    return row;
  }

  static String blockBad() {
    return "{\"selector\": {\"torch\": \"%s\"}, \"reason\": \"r\", \"block\": true}"
        .formatted(BAD_TORCH);
  }

  /** Retired a batch at a time (ServiceTest sets batches of 2): every match, and counted. */
  @Test
  void shouldRetireEveryMatchAcrossBatchesAndCountThem() {
    for (int version = 1; version <= 5; version++) {
      uploadMegaCache(
          Descriptors.of(model, "v" + version, BAD_TORCH, "NVIDIA L4"), Fixtures.randomBytes(50));
    }
    uploadMegaCache(goodBuild, Fixtures.randomBytes(50));

    JsonNode rule = rule("");

    assertThat(rule.get("invalidated").asLong()).isEqualTo(5);
    assertThat(
            jdbc.sql(
                    "select count(*) from artifact where namespace = ? and invalidation_id = ?::uuid")
                .params(ns, rule.get("id").asString())
                .query(Long.class)
                .single())
        .isEqualTo(5);
    assertThat(
            api.get(path("/invalidations")).json().get("items").get(0).get("invalidated").asLong())
        .isEqualTo(5);
    assertThat(
            api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", goodBuild))
                .json()
                .get("hit")
                .asBoolean())
        .isTrue();
  }

  /**
   * The one read of the matches is retired in batches of retire-batch (2 here), each in a
   * transaction of its own, told apart by the now() each stamps (ADR 0029).
   */
  @Test
  void shouldRetireWhatOneReadFindsInBatchesOfTheirOwn() {
    for (int version = 1; version <= 9; version++) {
      uploadMegaCache(
          Descriptors.of(model, "v" + version, BAD_TORCH, "NVIDIA L4"), Fixtures.randomBytes(50));
    }

    JsonNode rule = rule("");

    assertThat(rule.get("invalidated").asLong()).isEqualTo(9);
    List<Instant> stamps =
        jdbc.sql("select invalidated_at from artifact where invalidation_id = ?::uuid")
            .param(rule.get("id").asString())
            .query(Instant.class)
            .list();
    assertThat(new HashSet<>(stamps)).as("one stamp per batch of 2").hasSize(5);
  }

  private long waiting(String lockType) {
    return waiting(jdbc, lockType);
  }

  /** Locks of the given type that some transaction waits for. */
  /**
   * The rule committed and its batch waits on the held row: a waiting lock alone may be another
   * test context's, or a call queued behind the rule's own transaction before it committed.
   */
  private boolean ruleInForce() {
    return ruleCommitted(jdbc, ns) && waiting(jdbc, "transactionid") > 0;
  }

  static boolean ruleCommitted(JdbcClient jdbc, String namespace) {
    return jdbc.sql("select count(*) from active_blocking_rule where namespace = ?")
            .param(namespace)
            .query(Long.class)
            .single()
        > 0;
  }

  static long waiting(JdbcClient jdbc, String lockType) {
    return jdbc.sql("select count(*) from pg_locks where locktype = ? and not granted")
        .param(lockType)
        .query(Long.class)
        .single();
  }

  @Test
  void shouldStopBlockingWhenLifted() {
    JsonNode rule = rule("");
    ApiResponse lifted =
        api.postJson(path("/invalidations/" + rule.get("id").asString() + "/lift"), "");
    assertThat(lifted.status()).isEqualTo(200);
    assertThat(lifted.json().get("active").asBoolean()).isFalse();
    assertThat(lifted.json().has("liftedAt")).isTrue();

    assertThat(uploadMegaCache(badBuild, bytes).json().get("state").asString()).isEqualTo("ready");
  }

  /**
   * An invalidation without {@code block} never had a rule in force: lifting it leaves its audit
   * record as it was, with no {@code liftedAt} saying a rule was lifted, and answers it unchanged
   * (200, as before, so a client that lifts whatever it made does not break).
   */
  @Test
  void shouldAnswerAnInvalidationWithoutARuleUnchangedWhenLifted() {
    uploadMegaCache(badBuild, bytes);
    ApiResponse created =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"torch\": \"%s\"}, \"reason\": \"one bad build\"}"
                .formatted(BAD_TORCH));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String id = created.json().get("id").asString();

    ApiResponse lifted = api.postJson(path("/invalidations/" + id + "/lift"), "");

    assertThat(lifted.status()).isEqualTo(200);
    assertThat(lifted.json().get("blocking").asBoolean()).isFalse();
    assertThat(lifted.json().get("active").asBoolean()).isFalse();
    assertThat(lifted.json().has("liftedAt")).as(lifted.text()).isFalse();
    assertThat(lifted.json().get("invalidated").asLong()).isEqualTo(1);
    assertThat(
            jdbc.sql("select lifted_at is null from invalidation where id = ?::uuid")
                .param(id)
                .query(Boolean.class)
                .single())
        .isTrue();
  }

  /**
   * PostgreSQL keeps microseconds, rounding what is finer, so a rule answered with the nanoseconds
   * it was asked for was read back later with another expiry, up to half a microsecond after the
   * one asked for. It is kept to the microsecond, never later than asked, and answered as kept.
   */
  @Test
  void shouldAnswerTheExpiryItKeepsToTheMicrosecond() {
    JsonNode made = rule(", \"expiresAt\": \"2030-01-01T00:00:00.123456789Z\"");

    JsonNode listed = null;
    for (JsonNode item : api.get(path("/invalidations")).json().get("items")) {
      if (item.get("id").asString().equals(made.get("id").asString())) {
        listed = item;
      }
    }

    assertThat(listed).isNotNull();
    assertThat(made.get("expiresAt").asString())
        .isEqualTo(listed.get("expiresAt").asString())
        .isEqualTo("2030-01-01T00:00:00.123456Z");
  }

  @Test
  void shouldStopBlockingWhenExpired() {
    // far enough ahead that a loaded machine still declares before it; the clock then ends it
    rule(", \"expiresAt\": \"%s\"".formatted(Instant.now().plusSeconds(5)));
    assertProblem(declareMegaCache(badBuild, bytes), 409, "blocked-by-rule");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> declareMegaCache(badBuild, bytes).status() == 201);
  }

  @Test
  void shouldNeverServeBlockedContentOrEntriesWhileTheRuleLasts() {
    String id = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    String entry = path("/entries/autotune/k-" + UUID.randomUUID());
    assertThat(api.putBytes(entry, bytes).status()).isEqualTo(201);
    // microseconds: what PostgreSQL keeps
    Instant until = Instant.now().truncatedTo(ChronoUnit.MICROS).plus(Duration.ofHours(1));
    JsonNode rule = rule(", \"expiresAt\": \"%s\"".formatted(until));
    JsonNode entryRule =
        api.postJson(
                path("/invalidations"),
                "{\"selector\": {\"kind\": \"autotune\"}, \"reason\": \"autotuner bug\", \"block\": true}")
            .json();
    // as if they slipped past (restored from a backup, say): still not served
    jdbc.sql("update artifact set state = 'READY' where namespace = ?").param(ns).update();

    ApiResponse content = api.get(path("/artifacts/" + id + "/content"));
    assertProblem(content, 410, "invalidated");
    assertThat(content.json().get("detail").asString())
        .contains(rule.get("id").asString())
        .contains("until " + until);
    assertThat(api.head(path("/artifacts/" + id + "/content")).status()).isEqualTo(410);
    ApiResponse gotEntry = api.get(entry);
    assertProblem(gotEntry, 404, "artifact-not-found");
    assertThat(gotEntry.json().get("detail").asString()).contains(entryRule.get("id").asString());
    assertThat(api.head(entry).status()).isEqualTo(404);
  }

  @Test
  void shouldBlockEntriesToo() {
    api.postJson(
        path("/invalidations"),
        "{\"selector\": {\"kind\": \"autotune\"}, \"reason\": \"autotuner bug\", \"block\": true}");
    assertProblem(
        api.putBytes(path("/entries/autotune/k-" + UUID.randomUUID()), bytes),
        409,
        "blocked-by-rule");
  }

  /**
   * PyTorch's keys say nothing the service can read about where an entry was compiled; an entry
   * that says it in X-Pt2cache-Descriptor is retired and refused by a rule on the software it
   * names.
   */
  @Test
  void shouldReachEntriesThatCarryTheirDescriptor() {
    String bad = path("/entries/fx-graph/k-" + UUID.randomUUID());
    String good = path("/entries/fx-graph/k-" + UUID.randomUUID());
    assertThat(api.putBytes(bad, bytes, DESCRIPTOR, oneLine(badBuild)).status()).isEqualTo(201);
    assertThat(
            api.putBytes(good, Fixtures.randomBytes(300), DESCRIPTOR, oneLine(goodBuild)).status())
        .isEqualTo(201);

    assertThat(rule("").get("invalidated").asLong()).isEqualTo(1);

    assertProblem(api.get(bad), 404, "artifact-not-found");
    assertThat(api.get(good).status()).isEqualTo(200);
    assertProblem(
        api.putBytes(
            path("/entries/fx-graph/k-" + UUID.randomUUID()),
            Fixtures.randomBytes(400),
            DESCRIPTOR,
            oneLine(badBuild)),
        409,
        "blocked-by-rule");
  }

  static final String DESCRIPTOR = "X-Pt2cache-Descriptor";

  static String oneLine(String json) {
    return json.replaceAll("\\s*\\n\\s*", " ").strip();
  }

  /**
   * Rules whose expiry passed stay in the table for the invalidation history (365 days), never
   * lifted. Every serving read and upload asks for the rules in force in its namespace; found
   * through an index of every rule never lifted, each read filtered all the expired ones row by row
   * (a soak's extrapolation: 50,000 expired rules made a lookup hit 9.3 ms instead of 0.5 ms). The
   * rules in force are found without reading the expired ones, and still refuse what they match.
   */
  @Test
  void shouldReadOnlyTheRulesInForceAmongManyExpiredOnes() {
    jdbc.sql(
            """
            insert into invalidation
                   (id, namespace, selector, reason, blocking, created_at, expires_at)
            select gen_random_uuid(), ?, jsonb_build_object('modelName', 'old-' || g),
                   'expired long ago', true, now() - interval '100 days',
                   now() - interval '99 days'
              from generate_series(1, 20000) g
            """)
        .param(ns)
        .update();
    jdbc.sql("analyze invalidation").update();
    JsonNode expiring = rule(", \"expiresAt\": \"%s\"".formatted(Instant.now().plusSeconds(3600)));
    String otherModel = Descriptors.uniqueModel();
    JsonNode lasting =
        api.postJson(
                path("/invalidations"),
                "{\"selector\": {\"modelName\": \"%s\"}, \"reason\": \"bad\", \"block\": true}"
                    .formatted(otherModel))
            .json();
    String stored = uploadMegaCache(goodBuild, bytes).json().get("id").asString();

    // what uploads and lookups that miss ask (BlockingRules), and what serving reads ask with the
    // artifact (ServingReads): each reads the two rules in force, not the 20,000 expired ones
    assertThat(
            rowsRead(
                "select id from active_blocking_rule where namespace = '%s' order by created_at"
                    .formatted(ns)))
        .isLessThan(100);
    assertThat(
            rowsRead(
                """
                select (select json_agg(r.id) from active_blocking_rule r
                         where r.namespace = a.namespace)
                  from artifact a where a.id = '%s'
                """
                    .formatted(stored)))
        .isLessThan(100);

    assertBlockedBy(expiring, badBuild);
    assertBlockedBy(lasting, Descriptors.of(otherModel, "1", "2.11.0+cu130", "NVIDIA L4"));
    jdbc.sql("delete from invalidation where namespace = ? and reason = 'expired long ago'")
        .param(ns)
        .update();
  }

  /** A lookup of the descriptor misses as blocked by the rule, and its upload is refused. */
  private void assertBlockedBy(JsonNode rule, String descriptor) {
    JsonNode miss =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor))
            .json()
            .get("miss");
    assertThat(miss.get("reason").asString()).isEqualTo("blocked");
    assertThat(miss.get("detail").asString()).contains(rule.get("id").asString());
    assertProblem(declareMegaCache(descriptor, bytes), 409, "blocked-by-rule");
  }

  /** Rows of the invalidation table a statement read, as PostgreSQL's own count of them. */
  private long rowsRead(String statement) {
    return RowsRead.of(jdbc, "invalidation", statement);
  }

  @Test
  void shouldAnswer404ForAnUnknownRule() {
    assertProblem(
        api.postJson(path("/invalidations/" + UUID.randomUUID() + "/lift"), ""),
        404,
        "invalidation-not-found");
  }
}
