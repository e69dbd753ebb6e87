package dev.pt2cache.blob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A blob that fits one part, read and verified in chunks of at most 256 KiB (the first of 16 KiB)
 * before it is sent; or the first part of a larger one, read likewise before the upload takes its
 * permit, and sent ahead of the rest ({@link #drainThen}).
 *
 * <p>G1 allocates any array of half a region or more (512 KiB in heaps under 4 GiB) straight into
 * the old generation, as a humongous object, and may start a concurrent marking cycle on each such
 * allocation. One array per upload of a megabyte or so started marking cycles every few seconds
 * under load, and the barriers a cycle arms took a fifth of the service's CPU (ADR 0012). Chunks
 * this size die in the young generation like any short-lived object. (Multipart uploads keep their
 * part buffers, in chunks a heap region long ({@link PartChunks}): each upload holds at most two at
 * a time, usually for its whole length; a short last part takes one of its own length; its first
 * part is sent from its chunks.)
 */
final class ChunkedBuffer implements AutoCloseable {

  static final int CHUNK_SIZE = 256 * 1024;
  static final int FIRST_CHUNK_SIZE = 16 * 1024;

  private final List<byte[]> chunks;
  private final ByteBudget memory;
  private int held;
  private long length;

  private ChunkedBuffer(List<byte[]> chunks, ByteBudget memory) {
    this.chunks = chunks;
    this.memory = memory;
  }

  /**
   * Reads up to {@code length} bytes from {@code reader}, which verifies them as they pass, taking
   * room in {@code memory} for each chunk just before its bytes are read, so that a client that
   * stops sending holds the room of what it sent; and only while room is free now: at the first
   * chunk that finds none, it stops and answers what it has (the first part of a larger upload,
   * whose rest streams after it). A head that waited for room while it held room was a
   * hold-and-wait: heads that together had taken the whole budget each waited for more, none could
   * be completed to give its room back, and the first to wait got 503 after 30 s with every upload
   * permit free. Close the buffer to give the room back (it is given back at once when the read
   * fails).
   */
  static ChunkedBuffer readWhileRoom(VerifyingReader reader, int length, ByteBudget memory)
      throws IOException {
    List<byte[]> chunks = new ArrayList<>();
    ChunkedBuffer buffer = new ChunkedBuffer(chunks, memory);
    try {
      for (int read = 0; read < length; ) {
        // a small first chunk: a client that stops within its first KB holds little room
        int size = Math.min(chunks.isEmpty() ? FIRST_CHUNK_SIZE : CHUNK_SIZE, length - read);
        int units = memory.tryTake(size);
        if (units == 0) {
          break;
        }
        buffer.held += units;
        byte[] chunk = new byte[size];
        chunks.add(chunk);
        reader.readChunk(chunk);
        buffer.length += size;
        read += size;
      }
      return buffer;
    } catch (IOException | RuntimeException e) {
      buffer.close();
      throw e;
    }
  }

  /** The bytes read. */
  long length() {
    return length;
  }

  /** The next chunk not yet drained, let go here; null once every one has been. */
  private synchronized byte[] takeNext(int index) {
    if (index >= chunks.size()) {
      return null;
    }
    return chunks.set(index, null);
  }

  /** Hands the bytes to {@code reader} as read ahead of it ({@link VerifyingReader#readAhead}). */
  void countInto(VerifyingReader reader) {
    chunks.forEach(reader::readAhead);
  }

  /** Gives the room the chunks took back; the bytes must not be opened again. */
  @Override
  public synchronized void close() {
    memory.give(held);
    held = 0;
    chunks.clear();
  }

  /**
   * The bytes once, then {@code rest}'s, for a stream that passes them on: each chunk is let go as
   * soon as it has been read, and the room comes back once the last has (or when the stream is
   * closed), not when the upload they start has ended. A {@link java.io.SequenceInputStream} would
   * not do: it keeps every stream it was given for as long as it lives, so a streamed upload's head
   * stayed reachable, a part of heap each, until the upload ended, while its room counted it free.
   */
  InputStream drainThen(InputStream rest) {
    return new Draining(rest);
  }

  /** A fresh stream over the bytes, as often as the sender asks (a retry asks again). */
  InputStream open() {
    return new SequenceInputStream(
        Collections.enumeration(
            chunks.stream().map(ByteArrayInputStream::new).map(InputStream.class::cast).toList()));
  }

  /** The chunks in order, each let go once read, then the rest of the body. */
  private final class Draining extends InputStream {

    private final InputStream rest;
    private int next;
    private byte[] chunk;
    private int position;
    private boolean drained;

    Draining(InputStream rest) {
      this.rest = rest;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      while (!drained && (chunk == null || position == chunk.length)) {
        chunk = takeNext(next++);
        position = 0;
        if (chunk == null) {
          drained = true;
          ChunkedBuffer.this.close();
        }
      }
      if (drained) {
        return rest.read(buffer, offset, length);
      }
      int n = Math.min(length, chunk.length - position);
      System.arraycopy(chunk, position, buffer, offset, n);
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      chunk = null;
      ChunkedBuffer.this.close();
      rest.close();
    }
  }
}
