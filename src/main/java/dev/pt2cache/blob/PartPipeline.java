package dev.pt2cache.blob;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Sends the parts of one multipart upload. With a spare buffer it reads part n+1 from the client
 * while part n goes to the store, so an upload takes about the longer of the two instead of their
 * sum; without one (or once another upload waits for a buffer) it reads and sends in turn. A part's
 * buffer is never refilled before the store has taken it.
 */
final class PartPipeline {

  /** Sends one part to the store and answers what completing the upload needs of it. */
  @FunctionalInterface
  interface PartSink {
    CompletedPart send(int number, byte[] buffer, int length);
  }

  private final PartBuffers buffers;
  private final Executor executor;
  private final PartSink sink;

  PartPipeline(PartBuffers buffers, Executor executor, PartSink sink) {
    this.buffers = buffers;
    this.executor = executor;
    this.sink = sink;
  }

  /** Reads every declared byte from {@code reader} and sends it in parts of {@code partSize}. */
  List<CompletedPart> sendAll(VerifyingReader reader, int partSize) throws IOException {
    List<CompletedPart> parts = new ArrayList<>();
    boolean spare = buffers.tryAcquireSpare();
    CompletableFuture<CompletedPart> inFlight = null;
    try {
      byte[] reading = new byte[partSize];
      byte[] other = null;
      int number = 0;
      while (reader.remaining() > 0) {
        int length = reader.readChunk(reading);
        number++;
        if (inFlight != null) {
          parts.add(join(inFlight));
          inFlight = null;
        }
        if (spare && buffers.contended()) {
          buffers.release();
          spare = false;
          other = null;
        }
        if (!spare) {
          parts.add(sink.send(number, reading, length));
          continue;
        }
        byte[] sending = reading;
        int sendingNumber = number;
        inFlight =
            CompletableFuture.supplyAsync(
                () -> sink.send(sendingNumber, sending, length), executor);
        reading = other != null ? other : new byte[partSize];
        other = sending;
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
      if (spare) {
        buffers.release();
      }
    }
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
}
