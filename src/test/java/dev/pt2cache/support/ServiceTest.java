package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.BlobStore;
import dev.pt2cache.support.ApiClient.ApiResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;

/**
 * The whole service on real PostgreSQL and a real S3 server, reached over HTTP. All subclasses
 * share one application context. Each test works in a namespace of its own.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pt2cache.storage.part-size=5MB",
      // up to 5 MB read first (the GPT-2 fixture), up to 6 MB streamed, above it multipart
      // (ResNet-50)
      "pt2cache.storage.single-put-max=6MB",
      "pt2cache.uploads.max-artifact-size=64MB",
      "pt2cache.uploads.max-entry-size=16MB",
      // sizes the spool disk only: 3 x max-entry-size, 48 MB (the spool slots it counted once
      // are gone, docs/adr/0036)
      "pt2cache.uploads.max-concurrent-spools=3",
      // housekeeping runs when a test asks for it (POST /v1/housekeeping/jobs/{job}/runs)
      "pt2cache.housekeeping.enabled=false",
      "pt2cache.housekeeping.grace=0s",
      // every namespace without its own quota gets this one (RetentionTest.Defaults)
      "pt2cache.namespaces.default-quota=1GB",
      // a multipart upload begun over a second ago is abandoned (GarbageCollectionTest)
      "pt2cache.housekeeping.abandoned-upload-age=1s",
      "pt2cache.hits.flush-interval=100ms",
      // a blocking invalidation retires its matches two at a time (BlockingRuleTest)
      "pt2cache.invalidations.retire-batch=2",
      "pt2cache.storage.max-connections=16",
      // a download that finds every download connection taken answers busy soon (SlowDownloadsTest)
      "pt2cache.storage.connection-wait=2s",
      "pt2cache.housekeeping.gauge-interval=200ms"
    })
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
public abstract class ServiceTest {

  private static S3Client s3;

  @LocalServerPort private int port;

  @Autowired protected JdbcClient jdbc;

  @Autowired private MeterRegistry meters;

  protected ApiClient api;
  protected String ns;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }

  @BeforeEach
  void newNamespace() {
    api = new ApiClient(port);
    ns = "t-" + UUID.randomUUID().toString().substring(0, 12);
    assertThat(api.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
  }

  /** The service's port, for a client of a test's own (a raw socket, say). */
  protected int port() {
    return port;
  }

  protected String path(String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  /**
   * Every page of one of the namespace's listings ({@code "/artifacts"}, say), {@code limit} at a
   * time, each found through the previous page's {@code nextCursor}: each page's items' {@code
   * idField}, in the order served.
   */
  protected List<List<String>> pages(String listing, int limit, String idField) {
    List<List<String>> pages = new ArrayList<>();
    String url = path(listing + "?limit=" + limit);
    while (url != null) {
      ApiResponse page = api.get(url);
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      pages.add(
          page.json().get("items").valueStream().map(i -> i.get(idField).asString()).toList());
      url =
          page.json().has("nextCursor")
              ? path(
                  listing
                      + "?limit="
                      + limit
                      + "&cursor="
                      + page.json().get("nextCursor").asString())
              : null;
    }
    return pages;
  }

  /**
   * Checks five records paged two at a time, the middle three made in one instant: three pages,
   * each record once, the newest first and the oldest last, the three tied in between ordered as
   * {@code databaseOrder} (the listing's order by time, then id, both descending) has them all.
   */
  protected static void assertPagedNewestFirstWithTiesById(
      List<List<String>> pages,
      String newest,
      List<String> tied,
      String oldest,
      List<String> databaseOrder) {
    List<String> seen = pages.stream().flatMap(List::stream).toList();
    assertThat(pages).hasSize(3);
    assertThat(seen).hasSize(5).doesNotHaveDuplicates();
    assertThat(seen.get(0)).isEqualTo(newest);
    assertThat(seen.subList(1, 4)).containsExactlyInAnyOrderElementsOf(tied);
    assertThat(seen.get(4)).isEqualTo(oldest);
    assertThat(seen).as("ties newest id first").containsExactlyElementsOf(databaseOrder);
  }

  /** Declares a Mega-Cache upload of these bytes (POST .../artifacts). */
  protected ApiResponse declareMegaCache(String descriptor, byte[] bytes) {
    return api.postJson(
        path("/artifacts"),
        Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length));
  }

  /** Declares, sends and verifies an artifact; answers the ready artifact's JSON. */
  protected ApiResponse uploadMegaCache(String descriptor, byte[] bytes) {
    ApiResponse created = declareMegaCache(descriptor, bytes);
    assertThat(created.status()).as(created.text()).isIn(200, 201);
    if (created.json().has("uploadUrl")) {
      ApiResponse sent = api.putBytes(created.json().get("uploadUrl").asString(), bytes);
      assertThat(sent.status()).as(sent.text()).isEqualTo(200);
      return sent;
    }
    return created;
  }

  /**
   * Runs a housekeeping job now (as an operator would) and answers what it did: once the job's lock
   * is free, since another context or instance on the shared database may hold it ({@link
   * JobLocks}). Any other answer than 200 or 409 job-running fails the test.
   */
  protected JsonNode runJob(String job) {
    ApiResponse run = JobLocks.run(api, job);
    assertThat(run.status()).as(run.text()).isEqualTo(200);
    return run.json().get("outcome");
  }

  /**
   * The run's evictions for {@code reason} in this test's namespace. A run's own counts are the
   * whole database's: another test's namespace left over its quota or idle limit is evicted by the
   * same run (every context shares the one PostgreSQL).
   */
  protected long evictedHere(JsonNode outcome, String counter, String reason) {
    long here =
        jdbc.sql("select count(*) from eviction where namespace = ? and reason = ?")
            .params(ns, reason)
            .query(Long.class)
            .single();
    assertThat(outcome.get(counter).asLong())
        .as("the run's %s", counter)
        .isGreaterThanOrEqualTo(here);
    return here;
  }

  /**
   * What the service counted: the sum of the counter's series that carry these tags (name, value,
   * name, value...), read from the registry of this context, 0 when there is none.
   */
  protected double counted(String name, String... tags) {
    return meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  /**
   * A sample as Prometheus scrapes it (0 when absent); {@code labels} is a regex inside the braces.
   */
  protected double metric(String name, String labels) {
    Matcher value =
        Pattern.compile("(?m)^" + name + "\\{" + labels + "} ([0-9.E+-]+)$")
            .matcher(api.get("/actuator/prometheus").text());
    return value.find() ? Double.parseDouble(value.group(1)) : 0;
  }

  /** How many calls of this operation ({@code HeadObject}, say) this context made to the store. */
  protected long storeCalls(String operation) {
    return meters.find("pt2cache.store.calls").tag("operation", operation).timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }

  /** How many uploads wrote content to the store (not merely verified it against a copy). */
  protected double storedContents() {
    return counted("pt2cache.uploads.content", "outcome", "stored");
  }

  /**
   * Runs one statement with one text parameter on a connection the test holds, in its transaction:
   * how tests play another instance's or housekeeping's part while holding its locks.
   */
  protected static void execute(Connection held, String sql, String value) throws SQLException {
    try (PreparedStatement statement = held.prepareStatement(sql)) {
      statement.setString(1, value);
      statement.execute();
    }
  }

  /**
   * What an upload's commit writes to make its reservation ready, on a connection the test holds.
   */
  protected static void makeReady(Connection held, String artifactId) throws SQLException {
    execute(
        held,
        "update artifact set state = 'READY', ready_at = now(), upload_expires_at = null"
            + " where id = ?::uuid",
        artifactId);
  }

  /** The artifact's state as the database has it; empty once its row is gone. */
  protected Optional<String> stateOf(String artifactId) {
    return jdbc.sql("select state from artifact where id = ?::uuid")
        .param(artifactId)
        .query(String.class)
        .optional();
  }

  /**
   * Waits until at least n database sessions wait for a lock (a request parked on a row). The usage
   * aggregate is not counted: every test context of the JVM shares the database and refreshes its
   * usage gauges every 200 ms (gauge-interval above), and two contexts' aggregates that meet write
   * the same namespace_usage rows, one waiting for the other's. Counted, such a wait let the test
   * go on before its own request was parked (while only an aggregate waited, this answered after
   * its first poll, 103 ms): DamagedContentTest would then cancel no retirement, and
   * CommitRaceTest's invalidation retire the upload's reservation before the commit it is meant to
   * race.
   */
  protected void awaitWaiters(int n) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () ->
                jdbc.sql(
                            """
                            select count(*) from pg_stat_activity
                             where wait_event_type = 'Lock' and datname = current_database()
                               and query not like '%namespace_usage%'
                            """)
                        .query(Long.class)
                        .single()
                    >= n);
  }

  /** Sets a namespace's quota and idle limit. */
  protected void limits(String quotaBytes, String maxIdleDays) {
    ApiResponse put =
        api.putJson(
            path(""),
            "{\"quotaBytes\": %s, \"maxIdleDays\": %s}".formatted(quotaBytes, maxIdleDays));
    assertThat(put.status()).as(put.text()).isEqualTo(200);
  }

  /** An RFC 9457 answer of the given status and stable type. */
  protected static void assertProblem(ApiResponse response, int status, String type) {
    assertThat(response.status()).as(response.text()).isEqualTo(status);
    // JSON is UTF-8 (RFC 8259): a charset, where one is named, is that one
    assertThat(response.header("Content-Type"))
        .matches("(?i)application/problem\\+json(;\\s*charset=utf-8)?");
    assertThat(response.json().get("type").asString()).isEqualTo("urn:pt2cache:problem:" + type);
    assertThat(response.json().get("status").asInt()).isEqualTo(status);
  }

  protected long readyArtifacts(String namespace, String kind, String key) {
    return jdbc.sql(
            "select count(*) from artifact where namespace = ? and kind = ? and cache_key = ? and state = 'READY'")
        .params(namespace, kind, key)
        .query(Long.class)
        .single();
  }

  /** Keys of the objects in the bucket under a prefix. */
  protected static List<String> objectKeys(String prefix) {
    return s3()
        .listObjectsV2Paginator(b -> b.bucket(EmbeddedInfra.BUCKET).prefix(prefix))
        .contents()
        .stream()
        .map(S3Object::key)
        .toList();
  }

  /** The key of a content's object: the service's own layout, not a copy of it. */
  protected static String blobKey(String sha256) {
    return BlobStore.objectKey(sha256);
  }

  /** Writes a content's object behind the service's back (no row, no upload). */
  protected static void putBlobObject(String sha256, byte[] content) {
    s3().putObject(
            b -> b.bucket(EmbeddedInfra.BUCKET).key(blobKey(sha256)),
            RequestBody.fromBytes(content));
  }

  /** Deletes a content's object behind the service's back (its row stays). */
  protected static void deleteBlobObject(String sha256) {
    s3().deleteObject(b -> b.bucket(EmbeddedInfra.BUCKET).key(blobKey(sha256)));
  }

  /** Multipart uploads started and neither completed nor aborted. */
  protected static int unfinishedMultipartUploads() {
    return s3().listMultipartUploads(b -> b.bucket(EmbeddedInfra.BUCKET)).uploads().size();
  }

  public static synchronized S3Client s3() {
    if (s3 == null) {
      Map<String, String> env = TestInfra.serviceEnvironment();
      s3 =
          S3Client.builder()
              .endpointOverride(URI.create(env.get("PT2CACHE_S3_ENDPOINT")))
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(
                          env.get("PT2CACHE_S3_ACCESS_KEY"), env.get("PT2CACHE_S3_SECRET_KEY"))))
              .build();
    }
    return s3;
  }
}
