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
 * twice. Each chunk here but the last few is a humongous array one region long less a little for
 * its header, so it still is not copied while it is held, and is reclaimed at the first young
 * collection after it dies (ADR 0012); what is left of the part, less than a region, goes in arrays
 * under half a region, which are not humongous. A JVM whose region size cannot be read (another
 * collector) gets one array, as before.
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
   * whole regions (less {@link #HEADER_ROOM}), then the rest in pieces under half a region; one
   * chunk where {@code region} is 0 (unknown).
   */
  static List<Integer> sizes(int length, long region) {
    List<Integer> sizes = new ArrayList<>();
    long whole = region - HEADER_ROOM;
    long piece = region / 2 - HEADER_ROOM;
    int left = length;
    if (region <= 0 || piece <= 0) {
      sizes.add(length);
      return sizes;
    }
    while (left >= whole) {
      sizes.add((int) whole);
      left -= (int) whole;
    }
    while (left > 0) {
      int next = (int) Math.min(left, piece);
      sizes.add(next);
      left -= next;
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
  private static long regionSize() {
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
