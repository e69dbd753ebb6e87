package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The store's control calls apart from its byte paths (the object's head, the deployment marker,
 * the bucket's creation, the abandoned uploads' listing): what each answers from the test run's
 * real store, which requests it sends it, and in which of the service's words each failure comes
 * back: refused ({@code 403}), nothing listening, a store that never answers, and this instance at
 * its bound of connections ({@code storage-busy}). The bucket's own check is {@link
 * BucketCheckTest}'s, the deletes {@link BulkDeleteTest}'s, the listing {@link StoreListingTest}'s.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class StoreControlCallsTest {

  private static final StorageProperties SERVER =
      TestStorage.properties(false, null, DataSize.ofMegabytes(6));
  private static final String SETTING = " (PT2CACHE_S3_CREATE_BUCKET=true) failed";

  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Test
  void shouldAnswerAnObjectsVersionWithOneHeadAndNoneWhereThereIsNone() {
    byte[] bytes = Fixtures.randomBytes(1024);
    String sha256 = Fixtures.sha256(bytes);
    String missing = Fixtures.sha256(Fixtures.randomBytes(1024));
    String key = BlobStore.objectKey(sha256);
    withStore(
        SERVER,
        (s3, store) -> {
          s3.putObject(b -> b.bucket(SERVER.bucket()).key(key), RequestBody.fromBytes(bytes));
          HeadObjectResponse head = s3.headObject(b -> b.bucket(SERVER.bucket()).key(key));
          requests.clear();

          assertThat(store.version(sha256))
              .contains(BlobObjects.version(head.eTag(), head.lastModified()));
          assertThat(store.exists(sha256)).isTrue();
          assertThat(store.version(missing)).isEmpty();
          assertThat(store.exists(missing)).isFalse();
          assertThat(requests)
              .containsExactly(
                  head(key),
                  head(key),
                  head(BlobStore.objectKey(missing)),
                  head(BlobStore.objectKey(missing)));
          s3.deleteObject(b -> b.bucket(SERVER.bucket()).key(key));
        });
  }

  /** In a bucket of its own, created here: the test run's bucket holds the services' marker. */
  @Test
  void shouldCreateAMissingBucketAndKeepTheMarkerInItAsText() {
    String bucket = "control-" + UUID.randomUUID().toString().substring(0, 8);
    StorageProperties own = TestStorage.withBucket(SERVER, bucket, null);
    withStore(
        own,
        (s3, store) -> {
          try {
            store.createBucketIfMissing();
            assertThat(store.readMarker()).isEmpty();
            store.writeMarker("deployment-1");
            assertThat(store.readMarker()).contains("deployment-1");
            store.createBucketIfMissing();

            assertThat(requests)
                .containsExactly(
                    "HEAD /" + bucket,
                    "PUT /" + bucket,
                    "GET /" + bucket + "/" + BlobStore.MARKER_KEY,
                    "PUT /" + bucket + "/" + BlobStore.MARKER_KEY,
                    "GET /" + bucket + "/" + BlobStore.MARKER_KEY,
                    "HEAD /" + bucket);
            ResponseBytes<GetObjectResponse> kept =
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(BlobStore.MARKER_KEY));
            assertThat(kept.asString(StandardCharsets.UTF_8)).isEqualTo("deployment-1\n");
            assertThat(kept.response().contentType()).startsWith("text/plain");
          } finally {
            s3.deleteObject(b -> b.bucket(bucket).key(BlobStore.MARKER_KEY));
            s3.deleteBucket(b -> b.bucket(bucket));
          }
        });
  }

  @Test
  void shouldSayWhichControlCallTheStoreRefusedAndSendItOnce() {
    String sha256 = "0".repeat(64);
    withStore(
        TestStorage.withBucket(SERVER, SERVER.bucket(), "not-the-secret"),
        (s3, store) -> {
          assertFailed(() -> store.version(sha256), "checking blob " + sha256 + " failed", 403);
          assertFailed(() -> store.exists(sha256), "checking blob " + sha256 + " failed", 403);
          // a GET's and a PUT's refusal carry the store's reason, a HEAD's none: named after it
          assertFailed(
              store::readMarker,
              "reading the deployment marker failed: the store refused this instance's"
                  + " credentials (403 SignatureDoesNotMatch",
              403);
          assertFailed(
              () -> store.writeMarker("m"),
              "writing the deployment marker failed: the store refused this instance's"
                  + " credentials (403 SignatureDoesNotMatch",
              403);
          assertFailed(
              store::createBucketIfMissing, "checking bucket " + SERVER.bucket() + SETTING, 403);

          String marker = "/" + SERVER.bucket() + "/" + BlobStore.MARKER_KEY;
          assertThat(requests)
              .as("no retry of a refusal, and no creation after a refused check")
              .containsExactly(
                  head(BlobStore.objectKey(sha256)),
                  head(BlobStore.objectKey(sha256)),
                  "GET " + marker,
                  "PUT " + marker,
                  "HEAD /" + SERVER.bucket());
        });
  }

  @Test
  void shouldSayWhichControlCallFoundNothingListening() throws IOException {
    int closedPort = TestStorage.closedPort();
    withStore(
        TestStorage.properties(
            URI.create("http://127.0.0.1:" + closedPort), false, null, DataSize.ofMegabytes(6)),
        (s3, store) -> assertEachUnavailable(store));
  }

  @Test
  void shouldSayWhichControlCallTheStoreNeverAnswered() throws IOException {
    // listening, never accepting: the kernel completes the handshakes, nothing ever replies
    try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      StorageProperties hungStore =
          TestStorage.properties(
              URI.create("http://127.0.0.1:" + hung.getLocalPort()),
              false,
              null,
              DataSize.ofMegabytes(6));
      withStore(
          hungStore,
          Duration.ofMillis(500),
          (s3, store) ->
              assertTimeoutPreemptively(
                  Duration.ofSeconds(60), () -> assertEachUnavailable(store)));
    }
  }

  /**
   * Every connection of the pool taken (here by an unread download): the calls that translate
   * through {@link StoreFailures} answer busy, the bucket's check and the uploads' listing answer
   * unavailable. One client shares every role here; in the service the bucket's check has
   * connections of its own, and a full control pool leaves it up ({@link
   * StorageHealthUnderLoadTest}).
   */
  @Test
  void shouldSayWhichControlCallWaitedInVainForAConnection() {
    byte[] bytes = Fixtures.randomBytes(64 * 1024);
    String sha256 = Fixtures.sha256(bytes);
    StorageProperties onePooled = TestStorage.withConnections(SERVER, 1, Duration.ofMillis(300));
    withStore(
        onePooled,
        (s3, store) -> {
          s3.putObject(
              b -> b.bucket(SERVER.bucket()).key(BlobStore.objectKey(sha256)),
              RequestBody.fromBytes(bytes));
          try (InputStream held = store.get(sha256, null).orElseThrow().stream()) {
            assertThatThrownBy(() -> store.version(sha256))
                .isInstanceOf(StorageBusyException.class);
            assertThatThrownBy(store::readMarker).isInstanceOf(StorageBusyException.class);
            assertThatThrownBy(() -> store.writeMarker("m"))
                .isInstanceOf(StorageBusyException.class);
            assertThatThrownBy(store::createBucketIfMissing)
                .isInstanceOf(StorageBusyException.class);
            assertThatThrownBy(store::checkAvailable)
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessage("bucket " + SERVER.bucket() + " is not reachable");
            assertThatThrownBy(() -> store.abortUploadsStartedBefore(Instant.now()))
                .isExactlyInstanceOf(StorageUnavailableException.class)
                .hasMessage("listing multipart uploads failed");
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
          s3.deleteObject(b -> b.bucket(SERVER.bucket()).key(BlobStore.objectKey(sha256)));
        });
  }

  private void assertEachUnavailable(S3BlobStore store) {
    String sha256 = "0".repeat(64);
    assertUnavailable(() -> store.version(sha256), "checking blob " + sha256 + " failed");
    assertUnavailable(() -> store.exists(sha256), "checking blob " + sha256 + " failed");
    assertUnavailable(store::readMarker, "reading the deployment marker failed");
    assertUnavailable(() -> store.writeMarker("m"), "writing the deployment marker failed");
    assertUnavailable(store::createBucketIfMissing, "checking bucket " + SERVER.bucket() + SETTING);
    assertUnavailable(
        () -> store.abortUploadsStartedBefore(Instant.now()), "listing multipart uploads failed");
  }

  private static void assertUnavailable(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isExactlyInstanceOf(StorageUnavailableException.class)
        .hasMessage(message);
  }

  /** {@code call} failed with a message that begins with {@code message}, the store's status. */
  private static void assertFailed(ThrowingCallable call, String message, int status) {
    assertThatThrownBy(call)
        .isExactlyInstanceOf(StorageUnavailableException.class)
        .hasMessageStartingWith(message)
        .cause()
        .isInstanceOfSatisfying(
            S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(status));
  }

  private String head(String key) {
    return "HEAD /" + SERVER.bucket() + "/" + key;
  }

  private interface StoreUse {
    void use(S3Client s3, S3BlobStore store);
  }

  private void withStore(StorageProperties properties, StoreUse use) {
    withStore(properties, null, use);
  }

  /** A store on a client as the service builds it, recording each request it sends. */
  private void withStore(StorageProperties properties, Duration callTimeout, StoreUse use) {
    ExecutionInterceptor recorder =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            requests.add(
                context.httpRequest().method() + " " + context.httpRequest().encodedPath());
          }
        };
    Consumer<ClientOverrideConfiguration.Builder> override =
        c -> {
          c.addExecutionInterceptor(recorder);
          if (callTimeout != null) {
            c.apiCallTimeout(callTimeout);
          }
        };
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(override)
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      use.use(s3, store);
    }
  }
}
