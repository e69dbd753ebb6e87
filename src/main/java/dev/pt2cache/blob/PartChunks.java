package dev.pt2cache.blob;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The buffer of one multipart upload's part, in chunks that fill whole G1 heap regions. One array
 * of a whole part is a humongous object, which takes whole regions and leaves the rest of its last
 * one to no other object: a part of 5 MiB held 8 MiB of live heap in 4 MiB regions, and the default
 * of 8 MiB (with the array's header) 12 MiB in 4 MiB regions and 16 MiB in 8 MiB ones (heaps of 8
 * to 32 GB), half as much again as {@code pt2cache_store_uploads_buffered_bytes} counts of it, or
 * twice. Each chunk here but the last is a humongous array one region long less a little for its
 * header, so it still is not copied while it is held, and is reclaimed at the first young
 * collection after it dies (ADR 0012); what is left of the part, less than a region, goes in one
 * array ({@link #sizes}): young when under half a region, else humongous in a region of its own. A
 * JVM whose region size cannot be read (another collector) gets one array, as before.
 */
final class PartChunks {

  /** Room left in a region-long chunk for its header (16 bytes, 12 with compact headers). */
  static final int HEADER_ROOM = 64;

  private static final long REGION = regionSize();

  final int length;
  private final byte[][] chunks;

  PartChunks(int length) {
    this.length = length;
    this.chunks = sizes(length, REGION).stream().map(byte[]::new).toArray(byte[][]::new);
  }

  /**
   * The lengths of the chunks of a part of {@code length} bytes in regions of {@code region} bytes:
   * whole regions (less {@link #HEADER_ROOM}), then the rest in one array; one array where {@code
   * region} is 0 (unknown). The rest, under a region, is a young object when under half of one, and
   * otherwise a humongous one in a region of its own, which leaves free less than it holds. Cut
   * into young pieces, a rest of half a region or more was copied at each young collection while
   * its part filled and went, then promoted to die in the old generation (ADR 0012's amendment).
   */
  static List<Integer> sizes(int length, long region) {
    List<Integer> sizes = new ArrayList<>();
    long whole = region - HEADER_ROOM;
    int left = length;
    if (whole > 0) {
      while (left >= whole) {
        sizes.add((int) whole);
        left -= (int) whole;
      }
    }
    if (left > 0 || sizes.isEmpty()) {
      sizes.add(left);
    }
    return sizes;
  }

  /** Fills every chunk from {@code reader}; answers the bytes read, its length. */
  int fill(VerifyingReader reader) throws IOException {
    int read = 0;
    for (byte[] chunk : chunks) {
      read += reader.readChunk(chunk);
    }
    return read;
  }

  /** A fresh stream over the bytes, as often as the sender asks (a retry asks again). */
  InputStream open() {
    List<InputStream> streams = new ArrayList<>(chunks.length);
    for (byte[] chunk : chunks) {
      streams.add(new ByteArrayInputStream(chunk));
    }
    return new SequenceInputStream(Collections.enumeration(streams));
  }

  /** This JVM's G1 region size, or 0 where it runs another collector or does not say. */
  static long regionSize() {
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (!Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
        return 0;
      }
      return Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
