package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.unit.DataSize;

/**
 * A multipart upload's part buffer takes the heap its bytes need, which is what {@code
 * pt2cache_store_uploads_buffered_bytes} counts of it. One array of a whole part is a humongous
 * object in G1, which takes whole regions: a part of 5 MiB held 8 MiB of heap in 4 MiB regions, and
 * the default part of 8 MiB (and the array's 16-byte header) 12 MiB, in heaps of 8 to 16 GB, the
 * rest of its last region free to no other object. Measured as {@link FirstPartHeldOnceTest}
 * measures part 1: the live heap while the store takes part 2, less the live heap before the
 * upload, the least of three uploads, on the test run's real S3 server.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class PartBufferHeapTest {

  private static final long PART = TestStorage.PART_SIZE.toBytes();

  @BeforeAll
  static void bucketExists() {
    TestStorage.createBucket();
  }

  @Test
  void shouldHoldAPartInTheHeapItsBytesTake() throws Exception {
    // one permit, so no spare: while part 2 goes, the upload holds its buffer and nothing else
    StorageProperties properties =
        TestStorage.withMaxConcurrentPuts(
            TestStorage.properties(false, null, DataSize.ofBytes(0)), 1);
    byte[] content = Fixtures.randomBytes((int) (3 * PART + 1024));

    long held = FirstPartHeldOnceTest.leastLiveWhileSending(properties, content, 2);

    // the part and the SDK's own working set (under 0.1 MB measured), not the whole regions of a
    // humongous array: 6 MiB of 1 MiB or 2 MiB regions, 8 MiB of 4 MiB or 8 MiB ones
    assertThat(held).isLessThan(PART + 3 * PART / 20);
  }
}
