package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a part buffer is cut: whole regions, then the rest in one array. */
class PartChunksTest {

  private static final int MIB = 1 << 20;
  private static final int ROOM = PartChunks.HEADER_ROOM;

  @Test
  void shouldFillWholeRegionsFirst() {
    // the default part: two regions of 4 MiB instead of the three one array took
    assertThat(PartChunks.sizes(8 * MIB, 4 * MIB))
        .containsExactly(4 * MIB - ROOM, 4 * MIB - ROOM, 2 * ROOM);
    // S3's smallest part: one region, and the rest young
    assertThat(PartChunks.sizes(5 * MIB, 4 * MIB)).containsExactly(4 * MIB - ROOM, MIB + ROOM);
    // a part of half a region or more, but under one: one array in one region, not young pieces
    assertThat(PartChunks.sizes(8 * MIB, 16 * MIB)).containsExactly(8 * MIB);
    // a part under half a region: one young array
    assertThat(PartChunks.sizes(8 * MIB, 32 * MIB)).containsExactly(8 * MIB);
  }

  /**
   * What is left after whole regions goes in one array, whatever its length: a piece under half a
   * region is young, and one of half a region or more is humongous in one region, which wastes less
   * than its own length. Young pieces of that much, held while a part fills and goes, were copied
   * at every young collection and then promoted: 32 buffers of 8 MiB held in 16 MiB regions (16
   * permits, each with its spare) took 913 to 1666 ms of young pauses where one array each took 19,
   * and young collections left up to 2127 to 2223 MB where one array left 528 MB.
   */
  @Test
  void shouldKeepWhatIsLeftAfterWholeRegionsInOneArray() {
    assertThat(PartChunks.sizes(12 * MIB, 8 * MIB)).containsExactly(8 * MIB - ROOM, 4 * MIB + ROOM);
    assertThat(PartChunks.sizes(7 * MIB, 4 * MIB)).containsExactly(4 * MIB - ROOM, 3 * MIB + ROOM);
    assertThat(PartChunks.sizes(5 * MIB, 8 * MIB)).containsExactly(5 * MIB);
  }

  @Test
  void shouldKeepOneArrayWhereTheRegionSizeIsUnknown() {
    assertThat(PartChunks.sizes(8 * MIB, 0)).containsExactly(8 * MIB);
  }

  @Test
  void shouldCutEveryByteOnce() {
    for (long region : new long[] {MIB, 2 * MIB, 4 * MIB, 8 * MIB, 32 * MIB}) {
      int regions = (int) (2 * (region - ROOM));
      for (int length : new int[] {1, 5 * MIB, 8 * MIB, 8 * MIB + 1, 100 * MIB + 7, regions}) {
        List<Integer> sizes = PartChunks.sizes(length, region);
        assertThat(sizes.stream().mapToLong(Integer::longValue).sum()).isEqualTo(length);
        // whole regions, then at most one array of the rest, which fits one region
        assertThat(sizes.subList(0, sizes.size() - 1)).allMatch(size -> size == region - ROOM);
        assertThat(sizes.get(sizes.size() - 1))
            .isPositive()
            .isLessThanOrEqualTo((int) (region - ROOM));
      }
    }
  }

  /**
   * A part is sent from its chunks as often as the store asks (a retry opens it again), every byte
   * once, in order: here of a region and a little more, so in two chunks on G1.
   */
  @Test
  void shouldGiveThePartsBytesAsOftenAsTheSenderAsks() throws Exception {
    int length = (int) Math.min(Math.max(PartChunks.regionSize(), MIB), 32 * MIB) + MIB + 7;
    byte[] part = Fixtures.randomBytes(length);
    PartChunks chunks = new PartChunks(length);

    int read =
        chunks.fill(
            new VerifyingReader(
                new ByteArrayInputStream(part),
                new BlobExpectation(Fixtures.sha256(part), length)));

    assertThat(read).isEqualTo(length);
    try (InputStream first = chunks.open();
        InputStream retry = chunks.open()) {
      assertThat(first.readAllBytes()).isEqualTo(part);
      assertThat(retry.readAllBytes()).as("the part sent again").isEqualTo(part);
    }
  }

  /**
   * The region size is G1's where this JVM runs G1 (a power of two from 1 to 512 MiB, less than the
   * heap), and 0 (one array a part, as before) under any other collector. Read wrong, a part is one
   * humongous array again, taking up to twice the heap the buffered-bytes gauge counts.
   */
  @Test
  void shouldReadTheRegionSizeOfThisJvmsCollector() {
    boolean g1 =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .anyMatch(collector -> collector.getName().startsWith("G1 "));
    long region = PartChunks.regionSize();
    if (g1) {
      assertThat(Long.bitCount(region)).as("a power of two: %d", region).isOne();
      assertThat(region)
          .isBetween((long) MIB, 512L * MIB)
          .isLessThan(Runtime.getRuntime().maxMemory());
    } else {
      assertThat(region).isZero();
    }
  }
}
