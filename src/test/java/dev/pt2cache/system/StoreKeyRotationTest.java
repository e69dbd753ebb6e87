package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.TestInfra;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The store stops taking the service's key under a running instance (a key deactivated or deleted,
 * a secret changed: a rotation's last step, or a leak's first): the store checks a key on every
 * request, so the next request that reaches it is refused with {@code 403 InvalidAccessKeyId} or
 * {@code SignatureDoesNotMatch}. The store here is an S3 server of the test's own, restarted on the
 * same port and directory with other credentials, and the instance has a database of its own (a
 * bucket and a database belong together, ADR 0021).
 */
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class StoreKeyRotationTest {

  private static final String SECRET = "the-rotated-out-secret";

  @TempDir Path objects;
  private S3Proxy store;
  private String database;
  private ConfigurableApplicationContext instance;
  private ApiClient api;

  @BeforeEach
  void start() throws Exception {
    store = store(0, EmbeddedInfra.S3_IDENTITY, SECRET);
    database = "store_key_" + UUID.randomUUID().toString().substring(0, 8);
    instance =
        ServiceInstances.start(
            Map.of(
                "PT2CACHE_DB_URL",
                TestInfra.createDatabase(database),
                "PT2CACHE_S3_ENDPOINT",
                "http://127.0.0.1:" + store.getPort(),
                "PT2CACHE_S3_SECRET_KEY",
                SECRET,
                "PT2CACHE_WARMUP",
                "false"));
    api = ServiceInstances.client(instance);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (instance != null) {
        instance.close();
      }
    } finally {
      store.stop();
      TestInfra.dropDatabase(database);
    }
  }

  @Test
  void shouldSayTheStoreRefusedThisInstancesCredentialsAndWhatToCheck(CapturedOutput output)
      throws Exception {
    byte[] bytes = Fixtures.randomBytes(64 * 1024);
    String entry = "/v1/namespaces/default/entries/fx-graph/k-" + UUID.randomUUID();
    assertThat(api.putBytes(entry, bytes).status()).isIn(200, 201);
    assertThat(api.get(entry).body()).isEqualTo(bytes);

    rekey();
    ApiResponse refused = api.get(entry);

    assertThat(refused.status()).as(refused.text()).isEqualTo(503);
    assertThat(refused.json().get("type").asString())
        .isEqualTo("urn:pt2cache:problem:storage-unavailable");
    assertThat(output.getAll())
        .contains(
            "object store failed: the store refused this instance's credentials (403"
                + " InvalidAccessKeyId: ")
        .contains("check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY")
        .doesNotContain(SECRET);
  }

  @Test
  void shouldRecordAPurgeWhoseStoreRefusedTheCredentialsAsFailed() throws Exception {
    rekey();
    ApiResponse run = api.postJson("/v1/housekeeping/jobs/purge/runs", "");

    assertThat(run.status()).as(run.text()).isEqualTo(200);
    JsonNode outcome = run.json().get("outcome");
    assertThat(outcome.has("error")).as("recorded as failed: %s", outcome).isTrue();
    assertThat(outcome.get("error").asString())
        .contains("the store refused this instance's credentials (403 InvalidAccessKeyId")
        .contains("check PT2CACHE_S3_ACCESS_KEY and PT2CACHE_S3_SECRET_KEY")
        .doesNotContain("s3:ListBucketMultipartUploads");
    JsonNode recorded = api.get("/v1/housekeeping/runs?job=purge&limit=1").json().get("items");
    assertThat(recorded.get(0).get("id").asLong()).isEqualTo(run.json().get("id").asLong());
    assertThat(recorded.get(0).get("outcome").get("error").asString())
        .isEqualTo(outcome.get("error").asString());
  }

  /**
   * The store restarted on its port and directory with another key: the instance's is no longer one
   * it knows.
   */
  private void rekey() throws Exception {
    int port = store.getPort();
    store.stop();
    store = store(port, "another-key", "another-secret");
  }

  private S3Proxy store(int port, String key, String secret) throws Exception {
    S3Proxy started =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(objects.toString()))
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, key, secret)
            .build();
    started.start();
    while (!"STARTED".equals(started.getState())) {
      Thread.sleep(10);
    }
    return started;
  }
}
