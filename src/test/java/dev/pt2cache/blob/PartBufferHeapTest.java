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
    // humongous array of the part: 6 MiB of 1 MiB regions, 8 MiB of 4 MiB ones
    assertThat(held).isLessThan(heapOfPart(PartChunks.regionSize()) + 3 * PART / 20);
  }

  /**
   * The heap G1 gives a part buffer cut as ADR 0012's amendment decides, in regions of {@code
   * region} bytes: a region for each region-long chunk, then for the rest its bytes where it is
   * under half a region (a young object), else the region it takes alone (a humongous one, which
   * leaves free less than it holds). The part's bytes (one array) under another collector. In this
   * run's 4 MiB regions, the part and 64 bytes; in 2 MiB regions, three regions (6 MiB), and in 8
   * MiB ones one (8 MiB), as an array of the part took.
   */
  private static long heapOfPart(long region) {
    if (region == 0) {
      return PART;
    }
    long whole = region - PartChunks.HEADER_ROOM;
    long rest = PART % whole;
    return PART / whole * region + (rest < region / 2 ? rest : region);
  }
}
