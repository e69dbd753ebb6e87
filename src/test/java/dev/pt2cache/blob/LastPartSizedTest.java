package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

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
    // two whole parts, the first read as the head, and a last part of 1 KiB
    byte[] content = Fixtures.randomBytes((int) (2 * PART + LAST));

    long held = FirstPartHeldOnceTest.leastLiveWhileSending(properties, content, 3);

    // the part in flight at most (the second, with a spare) and the SDK's own working set, not
    // a further part-sized buffer for the last 1 KiB
    assertThat(held).isLessThan((permits - 1) * PART + PART / 2);
  }
}
