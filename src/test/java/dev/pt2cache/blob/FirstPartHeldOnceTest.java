package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.GeneratedContent;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * A multipart upload holds its first part once while it goes to the store: the head read before its
 * permit (ADR 0036) is that part, sent from its chunks. It was copied into a part buffer, and with
 * no spare buffer free the head stayed reachable until the next part's first read, so the upload
 * held two parts' heap (the head and its copy) for as long as the first part's send took. Measured
 * here as the live heap (after collections) while the store takes part 1, less the live heap before
 * the upload, on the test run's real S3 server: the least of three uploads, as the full suite's
 * shared JVM holds other tests' heap too, at times.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class FirstPartHeldOnceTest {

  private static final long PART = TestStorage.PART_SIZE.toBytes();
  private static final int UPLOADS = 3;

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Test
  void shouldHoldTheFirstPartOnceWhileItGoesToTheStore() throws Exception {
    // one permit, so no spare buffer: the upload sends each part before it reads the next
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofBytes(0)), 1);
    byte[] content = Fixtures.randomBytes((int) (2 * PART + 1024));

    long held = leastLiveWhileSending(properties, content, 1);

    // one part and the SDK's own working set (0.6 MB measured), not two parts (14.2 MB measured
    // when the head and its copy were both held); a bound between the two, clear of either
    assertThat(held).isLessThan(PART + 3 * PART / 4);
  }

  /**
   * A streamed upload (over the part size, up to the single-put maximum) sends its head, the first
   * part read before its permit, ahead of the rest of its body, and gives the head's room back once
   * those bytes have gone. The bytes themselves stayed reachable until the whole upload ended: a
   * {@link java.io.SequenceInputStream} keeps every stream it was given for its whole life, so each
   * streamed upload held a part of heap beside the budget that said it was free. Measured as the
   * live heap when the client's body has been read to twice the part size (the head long sent),
   * less the live heap before the upload: the least of three uploads.
   */
  @Test
  void shouldLetAStreamedUploadsHeadGoOnceItHasBeenSent() throws Exception {
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofMegabytes(64)), 1);
    long size = 4 * PART;
    long seed = System.nanoTime();
    String sha256 = GeneratedContent.sha256(seed, size);
    try (S3Client s3 = S3StorageConfiguration.clientBuilder(properties).build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      long held = Long.MAX_VALUE;
      List<String> measured = new ArrayList<>();
      for (int upload = 0; upload < UPLOADS; upload++) {
        long before = liveHeap();
        AtomicLong liveAt = new AtomicLong(-1);
        InputStream body =
            new FilterInputStream(new GeneratedContent(seed, size)) {
              private long read;

              @Override
              public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0 && read < 2 * PART && read + n >= 2 * PART) {
                  liveAt.set(liveHeap());
                }
                read += Math.max(n, 0);
                return n;
              }
            };

        store.put(new BlobExpectation(sha256, size), body);

        assertThat(liveAt.get()).as("measured past twice the part size").isPositive();
        held = Math.min(held, liveAt.get() - before);
        measured.add(String.format("%.1f", (liveAt.get() - before) / 1e6));
        try (InputStream stored = store.get(sha256, null).orElseThrow().stream()) {
          assertThat(GeneratedContent.sha256(stored)).isEqualTo(sha256);
        }
        store.delete(sha256);
      }
      System.out.printf(
          "streamed upload of %d bytes, %d-byte head: %s MB live past twice the part size%n",
          size, PART, measured);
      // the SDK's own working set (well under a megabyte), not the head's part besides
      assertThat(held).isLessThan(PART / 2);
    }
  }

  /**
   * The least, over a few uploads of {@code content} on the test run's real S3 server, of the live
   * heap while the store takes part {@code number}, less the live heap before the upload.
   */
  static long leastLiveWhileSending(StorageProperties properties, byte[] content, int number)
      throws Exception {
    AtomicLong liveAtPart = new AtomicLong(-1);
    ExecutionInterceptor atPart =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof UploadPartRequest part
                && part.partNumber() == number) {
              liveAtPart.set(liveHeap());
            }
          }
        };
    String sha256 = Fixtures.sha256(content);
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(c -> c.addExecutionInterceptor(atPart))
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      // the least of a few uploads: in the full suite's JVM other tests' threads (schedulers,
      // the S3 server's) may hold heap of their own at one of the measurements, never less
      long held = Long.MAX_VALUE;
      List<String> measured = new ArrayList<>();
      for (int upload = 0; upload < UPLOADS; upload++) {
        liveAtPart.set(-1);
        long before = liveHeap();

        store.put(new BlobExpectation(sha256, content.length), new ByteArrayInputStream(content));

        assertThat(liveAtPart.get()).as("measured while part %d went", number).isPositive();
        held = Math.min(held, liveAtPart.get() - before);
        measured.add(String.format("%.1f", (liveAtPart.get() - before) / 1e6));
        try (InputStream stored = store.get(sha256, null).orElseThrow().stream()) {
          assertThat(Fixtures.sha256(stored.readAllBytes())).isEqualTo(sha256);
        }
        store.delete(sha256);
      }
      System.out.printf(
          "multipart upload of %d bytes in %d-byte parts, %d permit(s): %s MB live while part %d"
              + " went%n",
          content.length, PART, properties.maxConcurrentPuts(), measured, number);
      return held;
    }
  }

  private static long liveHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
