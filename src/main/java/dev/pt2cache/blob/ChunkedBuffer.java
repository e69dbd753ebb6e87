package dev.pt2cache.blob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.Collections;

/**
 * A blob that fits one part, read and verified in chunks of at most 256 KiB before it is sent.
 *
 * <p>G1 allocates any array of half a region or more (512 KiB in heaps under 4 GiB) straight into
 * the old generation, as a humongous object, and may start a concurrent marking cycle on each such
 * allocation. One array per upload of a megabyte or so started marking cycles every few seconds
 * under load, and the barriers a cycle arms took a fifth of the service's CPU (ADR 0012). Chunks
 * this size die in the young generation like any short-lived object. (Multipart uploads keep their
 * part-sized buffers: each upload holds at most two at a time, usually for its whole length.)
 */
final class ChunkedBuffer {

  static final int CHUNK_SIZE = 256 * 1024;

  private final byte[][] chunks;

  private ChunkedBuffer(byte[][] chunks) {
    this.chunks = chunks;
  }

  /** Reads {@code length} bytes from {@code reader}, which verifies them as they pass. */
  static ChunkedBuffer read(VerifyingReader reader, int length) throws IOException {
    byte[][] chunks = new byte[(length + CHUNK_SIZE - 1) / CHUNK_SIZE][];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = new byte[Math.min(CHUNK_SIZE, length - i * CHUNK_SIZE)];
      reader.readChunk(chunks[i]);
    }
    return new ChunkedBuffer(chunks);
  }

  /** A fresh stream over the bytes, as often as the sender asks (a retry asks again). */
  InputStream open() {
    return new SequenceInputStream(
        Collections.enumeration(
            Arrays.stream(chunks)
                .map(ByteArrayInputStream::new)
                .map(InputStream.class::cast)
                .toList()));
  }
}
