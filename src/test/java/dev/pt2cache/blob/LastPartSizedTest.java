package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 * A multipart upload's last part holds the heap its bytes need, not a whole part's: the size is
 * declared, so the buffer for a short last part is taken at its length. It took a part-sized buffer
 * however short the part was (and, with a spare free, a second one for a part that never came).
 * Measured as {@link FirstPartHeldOnceTest} measures part 1: the live heap while the store takes
 * the last part, less the live heap before the upload, the least of three uploads, on the test
 * run's real S3 server.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class LastPartSizedTest {

  private static final long PART = TestStorage.PART_SIZE.toBytes();
  private static final int LAST = 1024;
  private static final int UPLOADS = 3;

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  /** One permit: no spare, each part goes before the next is read; two: a spare when free. */
  @ParameterizedTest(name = "{0} permit(s)")
  @ValueSource(ints = {1, 2})
  void shouldHoldOnlyTheLastPartsBytesWhileItGoesToTheStore(int permits) throws Exception {
    // multipart for anything over the part size, as with signed payloads
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofBytes(0)), permits);
    int lastPart = 3;
    AtomicLong liveAtLastPart = new AtomicLong(-1);
    ExecutionInterceptor atLastPart =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof UploadPartRequest part
                && part.partNumber() == lastPart) {
              liveAtLastPart.set(liveHeap());
            }
          }
        };
    // two whole parts, the first read as the head, and a last part of 1 KiB
    byte[] content = Fixtures.randomBytes((int) (2 * PART + LAST));
    String sha256 = Fixtures.sha256(content);
    try (S3Client s3 =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(c -> c.addExecutionInterceptor(atLastPart))
                .build();
        S3BlobStore store = new S3BlobStore(StoreClients.sharing(s3), properties)) {
      long held = Long.MAX_VALUE;
      List<String> measured = new ArrayList<>();
      for (int upload = 0; upload < UPLOADS; upload++) {
        liveAtLastPart.set(-1);
        long before = liveHeap();

        store.put(new BlobExpectation(sha256, content.length), new ByteArrayInputStream(content));

        assertThat(liveAtLastPart.get()).as("measured while the last part went").isPositive();
        held = Math.min(held, liveAtLastPart.get() - before);
        measured.add(String.format("%.1f", (liveAtLastPart.get() - before) / 1e6));
        try (InputStream stored = store.get(sha256, null).orElseThrow().stream()) {
          assertThat(Fixtures.sha256(stored.readAllBytes())).isEqualTo(sha256);
        }
        store.delete(sha256);
      }
      System.out.printf(
          "multipart upload of %d bytes in %d-byte parts, %d permit(s): %s MB live while the last"
              + " part went%n",
          content.length, PART, permits, measured);
      // the part in flight at most (the second, with a spare) and the SDK's own working set, not
      // a further part-sized buffer for the last 1 KiB
      assertThat(held).isLessThan((permits - 1) * PART + PART / 2);
    }
  }

  private static long liveHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
