package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The path a real deployment takes (docs/operations.md, "Backups, restores and upgrades"; ADR
 * 0026): a database that builds of the first schemas filled, upgraded to this build in one start.
 * The database is migrated to V1 and filled through SQL as that build stored things (rows, and the
 * objects in the bucket under {@code blobs/sha256/<2>/<digest>}, ADR 0003), then to V2, V4, V5, V6
 * and V7 in turn, each time with what that build first stored (standing rules, an eviction and hit
 * counts; tokens; a report; an upload whose lease ran out; the deployment marker). This build then
 * migrates the rest at start, and everything is checked through the REST API (and the scrape), as
 * an operator would after the upgrade. The rows, keys and object keys are written out here as those
 * builds wrote them, not through the service's code, so that a change of either side shows. On a
 * database and bucket of the test's own; the tests run in order, the writing ones last.
 */
@Tag("integration")
@ExtendWith(DockerWhenContainers.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeFromFirstSchemaTest {

  private static final String DATABASE = "upgrade_" + UUID.randomUUID().toString().replace("-", "");
  private static final String BUCKET = DATABASE.replace('_', '-');

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final String VISION = "vision";
  private static final String LANG = "lang";

  /** The small contents entries and inductor directories held, as the old builds stored them. */
  private static final byte[] FX_BYTES = Fixtures.randomBytes(4096);

  private static final byte[] AUTOTUNE_BYTES = Fixtures.randomBytes(777);
  private static final byte[] DIR_BYTES = Fixtures.randomBytes(20_000);
  private static final byte[] LANG_FX_BYTES = Fixtures.randomBytes(1234);

  // vision: two ready Mega-Caches of one model on two hardware tags, two entries, two artifacts an
  // invalidation retired, one a standing rule retired, one evicted, one upload whose lease ran out
  private static final UUID TRAIN = UUID.randomUUID();
  private static final UUID SERVE = UUID.randomUUID();
  private static final UUID FX = UUID.randomUUID();
  private static final UUID AUTOTUNE = UUID.randomUUID();
  private static final UUID OLD = UUID.randomUUID();
  private static final UUID OLD_DIR = UUID.randomUUID();
  private static final UUID BANNED = UUID.randomUUID();
  private static final UUID EVICTED = UUID.randomUUID();
  private static final UUID PENDING = UUID.randomUUID();
  // lang: one ready Mega-Cache and one entry
  private static final UUID GPT2 = UUID.randomUUID();
  private static final UUID LANG_FX = UUID.randomUUID();
  private static final UUID LOST = UUID.randomUUID();
  private static final byte[] LOST_BYTES = Fixtures.randomBytes(900);

  private static final UUID RETIRING = UUID.randomUUID();
  private static final UUID RULE = UUID.randomUUID();
  private static final UUID LIFTED = UUID.randomUUID();
  private static final UUID CONTENT_LOSS = UUID.randomUUID();

  private static final String READER_SECRET = secret();
  private static final String WRITER_SECRET = secret();
  private static final String REVOKED_SECRET = secret();

  private static final UUID MARKER = UUID.randomUUID();

  private static String url;
  private static ConfigurableApplicationContext instance;
  private static ApiClient api;

  @BeforeAll
  static void filledByTheFirstBuildsThenUpgraded() throws SQLException {
    url = TestInfra.createDatabase(DATABASE);
    ServiceTest.s3().createBucket(b -> b.bucket(BUCKET));
    migrateTo("1");
    try (Connection db = connection()) {
      seedFirstSchema(db);
      migrateTo("2");
      seedHousekeepingSchema(db);
      migrateTo("4");
      seedTokens(db);
      migrateTo("5");
      seedReports(db);
      migrateTo("6");
      seedExpiredLease(db);
      migrateTo("7");
      seedDeploymentMarker(db);
    }
    instance =
        ServiceInstances.start(
            Map.of(
                "PT2CACHE_DB_URL",
                url,
                "PT2CACHE_S3_BUCKET",
                BUCKET,
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

  @Test
  @Order(1)
  void shouldCountAndListWhatTheOldBuildsStored() {
    JsonNode vision = ok(api.get("/v1/namespaces/" + VISION));
    assertThat(vision.get("artifactCount").asLong()).isEqualTo(4);
    assertThat(vision.get("storedBytes").asLong())
        .isEqualTo(
            Fixtures.RESNET50.size()
                + Fixtures.GPT2.size()
                + FX_BYTES.length
                + AUTOTUNE_BYTES.length);
    assertThat(vision.get("reportedArtifacts").asLong()).isEqualTo(1);
    assertThat(vision.get("lookupHits").asLong()).isEqualTo(40);
    assertThat(vision.get("lookupMisses").asLong()).isEqualTo(10);
    assertThat(vision.get("evictions").asLong()).isEqualTo(1);
    assertThat(vision.get("quotaBytes").asLong()).isEqualTo(10_000_000_000L);
    assertThat(vision.get("maxIdleDays").asInt()).isEqualTo(60);
    // the usage gauges (V14's table, computed at start) say the same
    assertThat(gauge("pt2cache_namespace_artifacts", VISION)).isEqualTo(4);
    assertThat(gauge("pt2cache_namespace_stored_bytes", VISION))
        .isEqualTo(vision.get("storedBytes").asDouble());
    assertThat(gauge("pt2cache_namespace_reported_artifacts", VISION)).isEqualTo(1);
    assertThat(gauge("pt2cache_namespace_hit_ratio", VISION)).isEqualTo(0.8);
    assertThat(gauge("pt2cache_namespace_quota_bytes", VISION)).isEqualTo(1e10);
    assertThat(gauge("pt2cache_namespace_artifacts", LANG)).isEqualTo(2);
    JsonNode lang = ok(api.get("/v1/namespaces/" + LANG));
    assertThat(lang.get("artifactCount").asLong()).isEqualTo(2);
    assertThat(names(ok(api.get("/v1/namespaces")), "name"))
        .containsExactlyInAnyOrder("default", VISION, LANG);

    assertThat(names(ok(api.get(path(VISION, "/artifacts?state=ready&limit=100"))), "id"))
        .containsExactlyInAnyOrder(
            TRAIN.toString(), SERVE.toString(), FX.toString(), AUTOTUNE.toString());
    assertThat(names(ok(api.get(path(VISION, "/artifacts?tag=pool:serve&state=ready"))), "id"))
        .containsExactly(SERVE.toString());
    assertThat(names(ok(api.get(path(VISION, "/artifacts?state=invalidated"))), "id"))
        .containsExactlyInAnyOrder(OLD.toString(), OLD_DIR.toString(), BANNED.toString());
    assertThat(names(ok(api.get(path(VISION, "/artifacts?state=evicted"))), "id"))
        .containsExactly(EVICTED.toString());
    assertThat(names(ok(api.get(path(VISION, "/artifacts?reported=true"))), "id"))
        .containsExactly(TRAIN.toString());
    JsonNode train = ok(api.get(path(VISION, "/artifacts/" + TRAIN)));
    assertThat(train.get("hitCount").asLong()).isEqualTo(12);
    assertThat(train.get("reportCount").asInt()).isEqualTo(1);
    assertThat(train.get("descriptor").get("hardware").get("tags").get("pool").asString())
        .isEqualTo("train");

    JsonNode trail = ok(api.get(path(VISION, "/invalidations")));
    assertThat(names(trail, "id"))
        .containsExactlyInAnyOrder(RETIRING.toString(), RULE.toString(), LIFTED.toString());
    for (JsonNode invalidation : trail.get("items")) {
      String id = invalidation.get("id").asString();
      assertThat(invalidation.get("invalidated").asLong())
          .as("retired by %s", id)
          .isEqualTo(id.equals(RETIRING.toString()) ? 2 : id.equals(RULE.toString()) ? 1 : 0);
      assertThat(invalidation.path("active").asBoolean(false))
          .as("%s in force", id)
          .isEqualTo(id.equals(RULE.toString()));
    }
    assertThat(names(ok(api.get(path(VISION, "/evictions"))), "artifactId"))
        .containsExactly(EVICTED.toString());
    JsonNode reports = ok(api.get(path(VISION, "/artifacts/" + TRAIN + "/reports")));
    assertThat(names(reports, "reporter")).containsExactly("vision-reader/node-7");
    JsonNode lost = ok(api.get(path(LANG, "/invalidations"))).get("items").get(0);
    assertThat(lost.get("id").asString()).isEqualTo(CONTENT_LOSS.toString());
    assertThat(lost.get("selector").get("sha256").asString())
        .isEqualTo(Fixtures.sha256(LOST_BYTES));
    assertThat(api.get(path(LANG, "/artifacts/" + LOST + "/content")).status()).isEqualTo(410);
    assertThat(names(ok(api.get("/v1/housekeeping/runs")), "job"))
        .containsExactlyInAnyOrder("retention", "purge", "reconcile", "purge");
    // reconciliation finds every object where the first builds put it: none missing (the lost
    // content's artifact is retired already), none damaged, none without its row
    JsonNode reconciled =
        ok(api.postJson("/v1/housekeeping/jobs/reconcile/runs", "")).get("outcome");
    assertThat(reconciled.get("objectsListed").asLong()).as(reconciled.toString()).isEqualTo(8);
    assertThat(reconciled.get("blobsFoundMissing").asLong()).isZero();
    assertThat(reconciled.get("blobsFoundDamaged").asLong()).isZero();
    assertThat(reconciled.get("orphanObjectsDeleted").asLong()).isZero();
    assertThat(names(ok(api.get("/v1/tokens")), "name"))
        .contains("vision-reader", "fleet-writer", "old-node");
  }

  @Test
  @Order(2)
  void shouldHitWhatWasReadyAndMissWhatWasRetired() {
    assertThat(hit(VISION, "mega-cache", descriptor("resnet50", "train"))).isEqualTo(TRAIN);
    assertThat(hit(VISION, "mega-cache", descriptor("resnet50", "serve"))).isEqualTo(SERVE);
    assertThat(hit(LANG, "mega-cache", descriptor("gpt2", "serve"))).isEqualTo(GPT2);
    assertThat(hit(VISION, "mega-cache", descriptor("resnet50-old", "train"))).isNull();
    assertThat(hit(VISION, "inductor-dir", descriptor("resnet50-old", "serve"))).isNull();
    assertThat(hit(VISION, "mega-cache", descriptor("vit-bad", "train"))).isNull();
    assertThat(hit(VISION, "mega-cache", descriptor("resnet18", "train"))).isNull();
    assertThat(hit(VISION, "mega-cache", descriptor("resnet101", "train"))).isNull();
    assertThat(api.head(path(VISION, "/entries/fx-graph/fx-0001")).status()).isEqualTo(200);
    assertThat(api.get(path(VISION, "/entries/fx-graph/fx-old")).status()).isEqualTo(404);
  }

  @Test
  @Order(3)
  void shouldServeTheSameBytesTheOldBuildsStored() {
    assertThat(digestOf(api.get(path(VISION, "/artifacts/" + TRAIN + "/content"))))
        .isEqualTo(Fixtures.RESNET50.sha256());
    assertThat(digestOf(api.get(path(VISION, "/artifacts/" + SERVE + "/content"))))
        .isEqualTo(Fixtures.GPT2.sha256());
    assertThat(digestOf(api.get(path(LANG, "/artifacts/" + GPT2 + "/content"))))
        .isEqualTo(Fixtures.GPT2.sha256());
    assertThat(digestOf(api.get(path(VISION, "/entries/fx-graph/fx-0001"))))
        .isEqualTo(Fixtures.sha256(FX_BYTES));
    assertThat(digestOf(api.get(path(VISION, "/entries/autotune/at-0001"))))
        .isEqualTo(Fixtures.sha256(AUTOTUNE_BYTES));
    assertThat(digestOf(api.get(path(LANG, "/entries/fx-graph/fx-lang-1"))))
        .isEqualTo(Fixtures.sha256(LANG_FX_BYTES));
    assertThat(api.get(path(VISION, "/artifacts/" + OLD + "/content")).status()).isEqualTo(410);
  }

  @Test
  @Order(4)
  void shouldKeepRefusingUnderTheRuleInForceAndNotUnderTheLiftedOne() {
    byte[] bytes = Fixtures.randomBytes(100);
    ApiResponse refused =
        api.postJson(
            path(VISION, "/artifacts"), declaration(descriptor("vit-bad", "serve"), bytes));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().get("type").asString()).endsWith("blocked-by-rule");
    assertThat(
            api.postJson(
                    path(VISION, "/artifacts"),
                    declaration(descriptor("vit-fixed", "serve"), bytes))
                .status())
        .isEqualTo(201);
  }

  @Test
  @Order(5)
  void shouldTakeTheTokensStoredBefore() {
    ApiClient reader = api.withToken(READER_SECRET);
    assertThat(reader.get("/v1/namespaces/" + VISION).status()).isEqualTo(200);
    assertThat(
            reader
                .postJson(
                    path(VISION, "/lookups"),
                    Descriptors.lookup("mega-cache", descriptor("resnet50", "train")))
                .status())
        .isEqualTo(200);
    assertThat(reader.get("/v1/namespaces/" + LANG).status()).isEqualTo(403);
    assertThat(reader.putBytes(path(VISION, "/entries/fx-graph/fx-r"), FX_BYTES).status())
        .isEqualTo(403);
    assertThat(api.withToken(REVOKED_SECRET).get("/v1/namespaces/" + VISION).status())
        .isEqualTo(401);
    assertThat(
            api.withToken(WRITER_SECRET)
                .putBytes(path(LANG, "/entries/fx-graph/fx-lang-2"), Fixtures.randomBytes(64))
                .status())
        .isEqualTo(201);
  }

  @Test
  @Order(6)
  void shouldUploadAndInvalidateAfterTheUpgrade() {
    byte[] bytes = Fixtures.randomBytes(5000);
    String fresh = descriptor("resnet101", "train"); // the key whose upload's lease ran out
    ApiResponse declared = api.postJson(path(VISION, "/artifacts"), declaration(fresh, bytes));
    assertThat(declared.status()).isEqualTo(201);
    assertThat(api.putBytes(declared.json().get("uploadUrl").asString(), bytes).status())
        .isEqualTo(200);
    assertThat(hit(VISION, "mega-cache", fresh)).hasToString(declared.json().get("id").asString());

    ApiResponse invalidated =
        api.postJson(
            path(LANG, "/invalidations"),
            "{\"selector\": {\"tags\": {\"pool\": \"serve\"}}, \"reason\": \"driver update\"}");
    assertThat(invalidated.status()).isEqualTo(201);
    assertThat(invalidated.json().get("invalidated").asLong()).isEqualTo(1);
    assertThat(hit(LANG, "mega-cache", descriptor("gpt2", "serve"))).isNull();
    assertThat(api.get(path(LANG, "/entries/fx-graph/fx-lang-1")).status()).isEqualTo(200);
  }

  // --- what the builds of V1..V7 stored ---

  /** V1: namespaces, blobs (object first, then row), ready artifacts and entries, a retirement. */
  private static void seedFirstSchema(Connection db) throws SQLException {
    sql(
        db,
        "insert into namespace (name, quota_bytes, max_idle_days, created_at, updated_at)"
            + " values (?, 10000000000, 60, now() - interval '200 days', now() - interval '90 days'),"
            + " (?, null, null, now() - interval '150 days', now() - interval '150 days')",
        VISION,
        LANG);
    String resnet = blob(db, Fixtures.RESNET50.bytes());
    String gpt2 = blob(db, Fixtures.GPT2.bytes());
    String fx = blob(db, FX_BYTES);
    String autotune = blob(db, AUTOTUNE_BYTES);
    String dir = blob(db, DIR_BYTES);
    String langFx = blob(db, LANG_FX_BYTES);
    artifact(db, TRAIN, VISION, "mega-cache", descriptor("resnet50", "train"), resnet, 12);
    artifact(db, SERVE, VISION, "mega-cache", descriptor("resnet50", "serve"), gpt2, 3);
    entry(db, FX, VISION, "fx-graph", "fx-0001", fx);
    entry(db, AUTOTUNE, VISION, "autotune", "at-0001", autotune);
    artifact(db, OLD, VISION, "mega-cache", descriptor("resnet50-old", "train"), resnet, 7);
    artifact(db, OLD_DIR, VISION, "inductor-dir", descriptor("resnet50-old", "serve"), dir, 1);
    artifact(db, GPT2, LANG, "mega-cache", descriptor("gpt2", "serve"), gpt2, 5);
    entry(db, LANG_FX, LANG, "fx-graph", "fx-lang-1", langFx);
    // the V1 build's invalidation: its record, then every ready match retired under it
    sql(
        db,
        "insert into invalidation (id, namespace, selector, reason, invalidated_count, created_at)"
            + " values (?, ?, '{\"modelName\":\"resnet50-old\"}', 'superseded by resnet50', 2,"
            + " now() - interval '30 days')",
        RETIRING,
        VISION);
    retire(db, RETIRING, OLD, OLD_DIR);
  }

  /** V2: a standing rule in force (with what it retired), a lifted one, an eviction, hit counts. */
  private static void seedHousekeepingSchema(Connection db) throws SQLException {
    String banned = blob(db, Fixtures.randomBytes(3000));
    artifact(db, BANNED, VISION, "mega-cache", descriptor("vit-bad", "train"), banned, 0);
    sql(
        db,
        "insert into invalidation (id, namespace, selector, reason, invalidated_count, created_at,"
            + " blocking) values (?, ?, '{\"modelName\":\"vit-bad\"}', 'miscompiles', 1,"
            + " now() - interval '20 days', true)",
        RULE,
        VISION);
    retire(db, RULE, BANNED);
    sql(
        db,
        "insert into invalidation (id, namespace, selector, reason, invalidated_count, created_at,"
            + " blocking, lifted_at) values (?, ?, '{\"modelName\":\"vit-fixed\"}', 'until fixed',"
            + " 0, now() - interval '25 days', true, now() - interval '10 days')",
        LIFTED,
        VISION);
    String evicted = blob(db, Fixtures.randomBytes(2000));
    artifact(db, EVICTED, VISION, "mega-cache", descriptor("resnet18", "train"), evicted, 0);
    sql(
        db,
        "update artifact set state = 'EVICTED', evicted_at = now() - interval '2 days',"
            + " eviction_reason = 'IDLE' where id = ?",
        EVICTED);
    sql(
        db,
        "insert into eviction (namespace, artifact_id, kind, cache_key, sha256, size_bytes, reason,"
            + " last_used_at, evicted_at) select namespace, id, kind, cache_key, sha256, size_bytes,"
            + " 'IDLE', ready_at, evicted_at from artifact where id = ?",
        EVICTED);
    sql(db, "update namespace set lookup_hits = 40, lookup_misses = 10 where name = ?", VISION);
    sql(db, "update namespace set lookup_hits = 9, lookup_misses = 1 where name = ?", LANG);
    // a run of each job as the V2 build recorded it, and one that failed
    for (String[] run :
        new String[][] {
          {"retention", "{\"evictedIdle\": 1, \"evictedOverQuota\": 0, \"bytesFreed\": 2000}"},
          {
            "purge",
            "{\"retiredArtifactsPurged\": 3, \"expiredReservationsDropped\": 1,"
                + " \"blobsDeleted\": 2, \"multipartUploadsAborted\": 0}"
          },
          {
            "reconcile",
            "{\"objectsListed\": 9, \"orphanObjectsDeleted\": 0, \"blobsFoundMissing\": 1}"
          },
          {"purge", "{\"error\": \"connection refused\"}"}
        }) {
      sql(
          db,
          "insert into housekeeping_run (job, instance, started_at, finished_at, outcome) values"
              + " (?, 'pt2cache-0', now() - interval '1 day',"
              + " now() - interval '1 day' + interval '2 seconds', ?::jsonb)",
          run[0],
          run[1]);
    }
    // reconciliation found an object missing, and retired what held it (V2's ContentLoss)
    String lost = Fixtures.sha256(LOST_BYTES);
    sql(
        db,
        "insert into blob (sha256, size_bytes, created_at, last_referenced_at)"
            + " values (?, ?, now() - interval '60 days', now() - interval '60 days')",
        lost,
        (long) LOST_BYTES.length);
    artifact(db, LOST, LANG, "mega-cache", descriptor("bert", "train"), lost, 0);
    sql(
        db,
        "insert into invalidation (id, namespace, selector, reason, invalidated_count, created_at)"
            + " values (?, ?, jsonb_build_object('sha256', ?::text), ?, 1, now() - interval '1 day')",
        CONTENT_LOSS,
        LANG,
        lost,
        "content " + lost + " missing from storage (found by reconciliation)");
    retire(db, CONTENT_LOSS, LOST);
    // the job locks as ShedLock wrote them, by the database's clock in UTC, long released
    sql(
        db,
        "insert into shedlock (name, lock_until, locked_at, locked_by)"
            + " select job, timezone('utc', now() - interval '1 day'),"
            + " timezone('utc', now() - interval '1 day'), 'pt2cache-0'"
            + " from (values ('retention'), ('purge'), ('reconcile')) as jobs (job)");
  }

  /** V4: tokens, as only their SHA-256: one per namespace, one for all, one revoked. */
  private static void seedTokens(Connection db) throws SQLException {
    String insert =
        "insert into api_token (id, name, token_sha256, namespace, role, created_at, revoked_at)"
            + " values (?, ?, ?, ?, ?, now() - interval '40 days', %s)";
    sql(
        db,
        insert.formatted("null"),
        UUID.randomUUID(),
        "vision-reader",
        sha256(READER_SECRET),
        VISION,
        "read");
    sql(
        db,
        insert.formatted("null"),
        UUID.randomUUID(),
        "fleet-writer",
        sha256(WRITER_SECRET),
        null,
        "write");
    sql(
        db,
        insert.formatted("now() - interval '5 days'"),
        UUID.randomUUID(),
        "old-node",
        sha256(REVOKED_SECRET),
        VISION,
        "write");
  }

  /** V5: a node's report that an artifact failed it, counted beside the artifact. */
  private static void seedReports(Connection db) throws SQLException {
    sql(
        db,
        "insert into artifact_report (artifact_id, reporter, problem, detail, reported_at)"
            + " values (?, 'vision-reader/node-7', 'load-failed', 'CUDA error', now() - interval"
            + " '3 days')",
        TRAIN);
    sql(db, "update artifact set report_count = 1 where id = ?", TRAIN);
  }

  /** V6: an upload declared and never sent, whose reservation ran out long ago. */
  private static void seedExpiredLease(Connection db) throws SQLException {
    String descriptor = descriptor("resnet101", "train");
    sql(
        db,
        "insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,"
            + " descriptor, model_name, model_version, hardware_tags, created_at,"
            + " upload_expires_at, reserved_at) values (?, ?, 'mega-cache', ?, 'PENDING', ?, 5000,"
            + " ?::jsonb, 'resnet101', '1', '{\"pool\":\"train\"}', now() - interval '3 hours',"
            + " now() - interval '2 hours', now() - interval '3 hours')",
        PENDING,
        VISION,
        key("mega-cache", descriptor),
        sha256("never sent"),
        descriptor);
  }

  /** V7: the deployment's marker, in the database and written to the bucket. */
  private static void seedDeploymentMarker(Connection db) throws SQLException {
    ServiceTest.s3()
        .putObject(
            b -> b.bucket(BUCKET).key("pt2cache/deployment"),
            RequestBody.fromString(MARKER.toString()));
    sql(
        db,
        "insert into deployment (store_marker, marker_written, created_at)"
            + " values (?, true, now() - interval '30 days')",
        MARKER);
  }

  /** Stores content as the first build did: the object at its digest's key, then the row. */
  private static String blob(Connection db, byte[] content) throws SQLException {
    String sha256 = Fixtures.sha256(content);
    ServiceTest.s3()
        .putObject(
            b -> b.bucket(BUCKET).key("blobs/sha256/" + sha256.substring(0, 2) + "/" + sha256),
            RequestBody.fromBytes(content));
    sql(
        db,
        "insert into blob (sha256, size_bytes, created_at, last_referenced_at)"
            + " values (?, ?, now() - interval '60 days', now() - interval '1 day')"
            + " on conflict do nothing",
        sha256,
        (long) content.length);
    return sha256;
  }

  /** A ready descriptor-addressed artifact, with the descriptor's fields as its columns. */
  private static void artifact(
      Connection db,
      UUID id,
      String namespace,
      String kind,
      String descriptor,
      String blob,
      int hits)
      throws SQLException {
    JsonNode parsed = JSON.readTree(descriptor);
    sql(
        db,
        "insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,"
            + " descriptor, model_name, model_version, torch_version, triton_version, cuda_version,"
            + " python_version, gpu_name, gpu_capability, hardware_tags, compile_backend,"
            + " compile_mode, compile_dynamic, created_at, ready_at, last_hit_at, hit_count)"
            + " select ?, ?, ?, ?, 'READY', sha256, size_bytes, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?::jsonb, 'inductor', 'default', false, now() - interval '50 days',"
            + " now() - interval '50 days', now() - interval '1 day', ? from blob where sha256 = ?",
        id,
        namespace,
        kind,
        key(kind, descriptor),
        descriptor,
        parsed.get("model").get("name").asString(),
        parsed.get("model").get("version").asString(),
        parsed.get("software").get("torch").asString(),
        parsed.get("software").get("triton").asString(),
        parsed.get("software").get("cuda").asString(),
        parsed.get("software").get("python").asString(),
        parsed.get("hardware").get("gpu").asString(),
        parsed.get("hardware").get("capability").asString(),
        parsed.get("hardware").get("tags").toString(),
        (long) hits,
        blob);
  }

  /** A ready entry as the first build stored one: PyTorch's key, no descriptor. */
  private static void entry(
      Connection db, UUID id, String namespace, String kind, String key, String blob)
      throws SQLException {
    sql(
        db,
        "insert into artifact (id, namespace, kind, cache_key, state, sha256, size_bytes,"
            + " created_at, ready_at) select ?, ?, ?, ?, 'READY', sha256, size_bytes,"
            + " now() - interval '45 days', now() - interval '45 days' from blob where sha256 = ?",
        id,
        namespace,
        kind,
        key,
        blob);
  }

  private static void retire(Connection db, UUID invalidation, UUID... artifacts)
      throws SQLException {
    for (UUID artifact : artifacts) {
      sql(
          db,
          "update artifact set state = 'INVALIDATED', invalidation_id = ?,"
              + " invalidated_at = (select created_at from invalidation where id = ?) where id = ?",
          invalidation,
          invalidation,
          artifact);
    }
  }

  /**
   * A descriptor in canonical JSON (RFC 8785: sorted members, no whitespace), as every build stored
   * it and derived keys from it (docs/key-derivation.md).
   */
  private static String descriptor(String model, String pool) {
    return ("{\"compile\":{\"backend\":\"inductor\",\"dynamic\":false,\"mode\":\"default\"},"
            + "\"hardware\":{\"capability\":\"9.0\",\"gpu\":\"NVIDIA H100 80GB HBM3\","
            + "\"tags\":{\"pool\":\"%s\"}},\"model\":{\"name\":\"%s\",\"version\":\"1\"},"
            + "\"software\":{\"cuda\":\"13.0\",\"python\":\"3.12.3\",\"torch\":\"2.11.0+cu130\","
            + "\"triton\":\"3.6.0\"}}")
        .formatted(pool, model);
  }

  /** The key the first build derived: the SHA-256 of {"descriptor": ..., "kind": ...}. */
  private static String key(String kind, String descriptor) {
    return sha256("{\"descriptor\":" + descriptor + ",\"kind\":\"" + kind + "\"}");
  }

  /** A token's secret as the V4 build made one: its prefix and 32 random bytes, base64url. */
  private static String secret() {
    return "pt2c_"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(Fixtures.randomBytes(32));
  }

  private static String sha256(String text) {
    return Fixtures.sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static void migrateTo(String version) {
    Map<String, String> env = TestInfra.serviceEnvironment();
    Flyway.configure()
        .dataSource(url, env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"))
        .locations("classpath:db/migration")
        .target(version)
        .load()
        .migrate();
  }

  private static Connection connection() throws SQLException {
    Map<String, String> env = TestInfra.serviceEnvironment();
    return DriverManager.getConnection(
        url, env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
  }

  private static void sql(Connection db, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }

  // --- through the API ---

  /** The artifact a lookup hit, or null where it missed. */
  private static UUID hit(String namespace, String kind, String descriptor) {
    JsonNode answer =
        ok(api.postJson(path(namespace, "/lookups"), Descriptors.lookup(kind, descriptor)));
    return answer.get("hit").asBoolean()
        ? UUID.fromString(answer.get("artifact").get("id").asString())
        : null;
  }

  /**
   * A namespace's gauge on the instance's scrape, once the usage was computed (at start, in the
   * background): NaN where it has no such series by then.
   */
  private static double gauge(String name, String namespace) {
    Pattern series =
        Pattern.compile("(?m)^" + name + "\\{[^}]*namespace=\"" + namespace + "\"[^}]*} (\\S+)$");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      String scrape = api.get("/actuator/prometheus").text();
      Matcher found = series.matcher(scrape);
      boolean computed = !scrape.contains("pt2cache_namespace_usage_computed_seconds 0.0");
      if ((found.find() && computed) || System.nanoTime() > deadline) {
        return found.find(0) ? Double.parseDouble(found.group(1)) : Double.NaN;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Double.NaN;
      }
    }
  }

  private static String declaration(String descriptor, byte[] bytes) {
    return Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length);
  }

  private static String digestOf(ApiResponse download) {
    assertThat(download.status()).as(download.text()).isEqualTo(200);
    return Fixtures.sha256(download.body());
  }

  private static JsonNode ok(ApiResponse response) {
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    return response.json();
  }

  private static List<String> names(JsonNode page, String member) {
    List<String> names = new ArrayList<>();
    for (JsonNode item : page.get("items")) {
      names.add(item.get(member).asString());
    }
    return names;
  }

  private static String path(String namespace, String rest) {
    return "/v1/namespaces/" + namespace + rest;
  }
}
