package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a part buffer is cut: whole regions, then pieces no region holds as humongous. */
class PartChunksTest {

  private static final int MIB = 1 << 20;
  private static final int ROOM = PartChunks.HEADER_ROOM;

  @Test
  void shouldFillWholeRegionsAndCutTheRestUnderHalfARegion() {
    // the default part: two regions of 4 MiB instead of the three one array took
    assertThat(PartChunks.sizes(8 * MIB, 4 * MIB))
        .containsExactly(4 * MIB - ROOM, 4 * MIB - ROOM, 2 * ROOM);
    // S3's smallest part: one region, and the rest young
    assertThat(PartChunks.sizes(5 * MIB, 4 * MIB)).containsExactly(4 * MIB - ROOM, MIB + ROOM);
    // a part under a region: pieces under half of it, none humongous
    assertThat(PartChunks.sizes(8 * MIB, 16 * MIB)).containsExactly(8 * MIB - ROOM, ROOM);
  }

  @Test
  void shouldKeepOneArrayWhereTheRegionSizeIsUnknown() {
    assertThat(PartChunks.sizes(8 * MIB, 0)).containsExactly(8 * MIB);
  }

  @Test
  void shouldCutEveryByteOnce() {
    for (long region : new long[] {MIB, 2 * MIB, 4 * MIB, 8 * MIB, 32 * MIB}) {
      for (int length : new int[] {1, 5 * MIB, 8 * MIB, 8 * MIB + 1, 100 * MIB + 7}) {
        List<Integer> sizes = PartChunks.sizes(length, region);
        assertThat(sizes.stream().mapToLong(Integer::longValue).sum()).isEqualTo(length);
        assertThat(sizes)
            .allMatch(size -> size > 0 && (size == region - ROOM || size < region / 2));
      }
    }
  }
}
