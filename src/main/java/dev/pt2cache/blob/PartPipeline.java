package dev.pt2cache.blob;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Sends the parts of one multipart upload. With a spare buffer it reads part n+1 from the client
 * while part n goes to the store, so an upload takes about the longer of the two instead of their
 * sum; without one it reads and sends in turn. A part's buffer is never refilled before the store
 * has taken it. The spare goes back to the pool as soon as its send has ended and another upload
 * waits for a buffer, without waiting for this upload's client to fill the next part. The bytes of
 * the part buffers it holds are added to {@code held} from when it takes each until it lets it go,
 * however the upload ends ({@code pt2cache_store_uploads_buffered_bytes}). A part buffer is held in
 * chunks that fill whole heap regions ({@link PartChunks}), so that the heap it takes is near what
 * that gauge counts (ADR 0012's amendment says where it is not).
 */
final class PartPipeline {

  /** Sends one part to the store and answers what completing the upload needs of it. */
  @FunctionalInterface
  interface PartSink {
    CompletedPart send(int number, ContentStreamProvider bytes, int length);
  }

  private final SparePermits buffers;
  private final Executor executor;
  private final PartSink sink;
  private final AtomicLong held;

  PartPipeline(SparePermits buffers, Executor executor, PartSink sink, AtomicLong held) {
    this.buffers = buffers;
    this.executor = executor;
    this.sink = sink;
    this.held = held;
  }

  /** Reads every declared byte from {@code reader} and sends it in parts of {@code partSize}. */
  List<CompletedPart> sendAll(VerifyingReader reader, int partSize) throws IOException {
    return sendAll(null, reader, partSize);
  }

  /**
   * Sends {@code first}, a whole part that {@code reader} has counted already, as part 1 (its room
   * is given back once it has gone), then the rest of {@code reader}'s bytes in parts of {@code
   * partSize}. The first part is sent from the chunks it was read into, not copied into a part
   * buffer: the copy held the part twice (its chunks and the buffer) until it was done. Without a
   * spare, the next part's buffer is taken only once the first has gone, so the upload holds one
   * part at a time; with one, the first goes while the next is read, as any part does.
   */
  List<CompletedPart> sendAll(ChunkedBuffer first, VerifyingReader reader, int partSize)
      throws IOException {
    List<CompletedPart> parts = new ArrayList<>();
    Spare spare = new Spare(buffers, held);
    CompletableFuture<CompletedPart> inFlight = null;
    PartChunks reading = null;
    try {
      int number = 0;
      if (first != null) {
        number = 1;
        int length = Math.toIntExact(first.length());
        if (spare.held() || spare.take()) {
          inFlight =
              sendAsync(number, first::open, length, spare).whenComplete((p, e) -> first.close());
        } else {
          try {
            parts.add(sink.send(number, first::open, length));
          } finally {
            first.close();
          }
        }
      }
      while (reader.remaining() > 0) {
        int wanted = nextPart(reader, partSize);
        if (reading == null || reading.length != wanted) {
          // the size is declared: a short last part takes a buffer of its length, and the
          // part-sized one goes, instead of holding a whole part for its few bytes
          letGo(held, reading);
          reading = new PartChunks(wanted);
          held.addAndGet(wanted);
        }
        int length = reading.fill(reader);
        number++;
        if (inFlight != null) {
          parts.add(join(inFlight));
          inFlight = null;
        }
        if (!spare.held() && !spare.take()) {
          parts.add(sink.send(number, reading::open, length));
          continue;
        }
        inFlight = sendAsync(number, reading::open, length, spare);
        reading = spare.exchange(reading, nextPart(reader, partSize));
      }
      if (inFlight != null) {
        parts.add(join(inFlight));
        inFlight = null;
      }
      return parts;
    } finally {
      if (inFlight != null) {
        // the caller aborts the upload next; let the part in flight end first
        inFlight.exceptionally(e -> null).join();
      }
      spare.release();
      letGo(held, reading);
    }
  }

  /** Counts {@code buffer}, if any, as no longer held. */
  private static void letGo(AtomicLong held, PartChunks buffer) {
    if (buffer != null) {
      held.addAndGet(-buffer.length);
    }
  }

  private CompletableFuture<CompletedPart> sendAsync(
      int number, ContentStreamProvider bytes, int length, Spare spare) {
    try {
      return CompletableFuture.supplyAsync(() -> sink.send(number, bytes, length), executor)
          .whenComplete((part, failure) -> spare.releaseIfWanted());
    } catch (RejectedExecutionException e) {
      // shutting down: send it on this thread
      return CompletableFuture.completedFuture(sink.send(number, bytes, length));
    }
  }

  /** The length of the next part: a whole part, or the declared bytes left, if fewer. */
  private static int nextPart(VerifyingReader reader, int partSize) {
    return (int) Math.min(partSize, reader.remaining());
  }

  private static CompletedPart join(CompletableFuture<CompletedPart> part) {
    try {
      return part.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /**
   * The second buffer of one upload: the one being sent while the other is filled. Its permit is
   * returned by the send's completion when another upload waits, or when the upload ends.
   */
  private static final class Spare {

    private final SparePermits buffers;
    private final AtomicLong bytes;
    private boolean held;
    private PartChunks idle;

    Spare(SparePermits buffers, AtomicLong bytes) {
      this.buffers = buffers;
      this.bytes = bytes;
      this.held = buffers.tryTake();
    }

    synchronized boolean held() {
      return held;
    }

    synchronized boolean take() {
      held = buffers.tryTake();
      return held;
    }

    /**
     * Hands in the buffer just given to a send; answers the one to fill next, of {@code wanted}
     * bytes, or null where there is none that long (the caller takes one; none for a part that
     * never comes). Where the permit has gone back already, the send has ended (only its completion
     * gives it back) and its buffer is the one to fill.
     */
    synchronized PartChunks exchange(PartChunks sending, int wanted) {
      if (!held) {
        return sending;
      }
      PartChunks next = idle != null && idle.length == wanted ? idle : null;
      if (next == null) {
        letGo(bytes, idle);
      }
      idle = sending;
      return next;
    }

    synchronized void releaseIfWanted() {
      if (held && buffers.wanted()) {
        release();
      }
    }

    synchronized void release() {
      if (held) {
        held = false;
        letGo(bytes, idle);
        idle = null;
        buffers.giveBack();
      }
    }
  }
}
