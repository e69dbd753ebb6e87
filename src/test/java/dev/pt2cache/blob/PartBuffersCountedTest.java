package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * {@code pt2cache_store_uploads_buffered_bytes} counts the part buffers of a multipart upload, not
 * only its head: an operator reading it sees what uploads hold in heap. Read from the store's meter
 * registry while a client has sent two and a half parts of a multipart upload and waits (part 1,
 * the head, gone; part 2 in its buffer, with a spare; part 3's buffer filling), then after the
 * upload was stored, the client went away, or the store refused a part: back to 0 each time. It
 * counted the head only, so read 0 mid-way. On the test run's real S3 server.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class PartBuffersCountedTest {

  private static final long PART = TestStorage.PART_SIZE.toBytes();
  private static final String BUFFERED = "pt2cache.store.uploads.buffered";

  private enum End {
    STORED,
    CLIENT_GONE,
    PART_REFUSED
  }

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  /** One permit: no spare, one part buffer at a time; two: the part sent and the one read. */
  @ParameterizedTest(name = "{0} permit(s)")
  @ValueSource(ints = {1, 2})
  void shouldCountThePartBuffersWhileTheUploadHoldsThemAndNoLonger(int permits) throws Exception {
    for (End end : End.values()) {
      uploadHeldMidway(permits, end, 3);
    }
  }

  /**
   * Five parts and a bit: from part 4 on, the spare's idle buffer is filled again (the one part 2
   * went from), and counted once, as when it was taken.
   */
  @ParameterizedTest(name = "{0} permit(s)")
  @ValueSource(ints = {1, 2})
  void shouldCountABufferFilledAgainOnce(int permits) throws Exception {
    for (End end : End.values()) {
      uploadHeldMidway(permits, end, 5);
    }
  }

  /**
   * An upload of {@code parts} whole parts and 1,024 bytes, whose client waits halfway through the
   * last whole part; the store refuses its last part where {@code end} says so.
   */
  private void uploadHeldMidway(int permits, End end, int parts) throws Exception {
    // multipart for anything over the part size
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofBytes(0)), permits);
    byte[] content = Fixtures.randomBytes((int) (parts * PART + 1024));
    String sha256 = Fixtures.sha256(content);
    ExecutionInterceptor refuseLastPart =
        new ExecutionInterceptor() {
          @Override
          public void beforeExecution(
              Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (end == End.PART_REFUSED
                && context.request() instanceof UploadPartRequest part
                && part.partNumber() == parts + 1) {
              throw new IllegalStateException("the store refused the last part");
            }
          }
        };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HeldClient client = new HeldClient(content, (int) ((parts - 1) * PART + PART / 2));
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(c -> c.addExecutionInterceptor(refuseLastPart))
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      store.bindTo(registry);
      CompletableFuture<Void> upload =
          CompletableFuture.runAsync(
              () -> store.put(new BlobExpectation(sha256, content.length), client));
      try {
        assertThat(client.waiting.await(30, TimeUnit.SECONDS)).as("client held mid-way").isTrue();
        // the last whole part's buffer, and with a spare the one before's, sent from it; the head
        // went with part 1
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(registry.get(BUFFERED).gauge().value())
                        .as("%s while the client waits in part %d (%s)", BUFFERED, parts, end)
                        .isEqualTo((double) permits * PART));
      } finally {
        client.release(end == End.CLIENT_GONE);
      }
      Throwable failure = catchThrowable(() -> upload.get(60, TimeUnit.SECONDS));
      if (end == End.STORED) {
        assertThat(failure).as("the upload").isNull();
      } else {
        assertThat(failure).as("the upload (%s)", end).isNotNull();
      }
      assertThat(registry.get(BUFFERED).gauge().value())
          .as("%s after (%s)", BUFFERED, end)
          .isZero();
      if (end == End.STORED) {
        store.delete(sha256);
      }
    }
  }

  /** A client that sends {@code held} bytes, waits, then sends the rest or goes away. */
  private static final class HeldClient extends InputStream {

    private final ByteArrayInputStream bytes;
    private final CountDownLatch waiting = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private int held;
    private volatile boolean gone;

    HeldClient(byte[] content, int held) {
      this.bytes = new ByteArrayInputStream(content);
      this.held = held;
    }

    void release(boolean goAway) {
      gone = goAway;
      released.countDown();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (held == 0) {
        waiting.countDown();
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
        if (gone) {
          throw new IOException("the client went away");
        }
        held = -1;
      }
      int n = bytes.read(buffer, offset, held > 0 ? Math.min(length, held) : length);
      if (held > 0 && n > 0) {
        held -= n;
      }
      return n;
    }
  }
}
