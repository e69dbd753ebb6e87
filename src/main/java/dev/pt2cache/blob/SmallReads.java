package dev.pt2cache.blob;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Downloads of at most one chunk (256 KiB: PyTorch's cache entries, mostly) read from the store
 * whole, over connections of their own, and then served from memory (docs/adr/0036, amendment). A
 * download holds its store connection for as long as its client reads, so clients slow to read
 * large artifacts could hold every download connection, and then every small download waited {@code
 * connection-wait} and was answered {@code 503 storage-busy}: the entries a warm start reads too. A
 * small read holds one of a few connections for as long as the store takes to send it, and heap
 * from a budget of its own for as long as its client takes; when that budget is spent, the download
 * goes the way of a large one.
 */
final class SmallReads {

  /** The largest download read whole: one array, not a humongous one (ADR 0012). */
  static final int MAX = ChunkedBuffer.CHUNK_SIZE;

  /** Heap that small downloads may hold while their clients read them. */
  static final long MEMORY = 16L << 20;

  /** Half the control requests' connections, so that health and commits always find one. */
  static final int CONNECTIONS = StorageProperties.CONTROL_CONNECTIONS / 2;

  private final S3Client control;
  private final String bucket;
  private final Duration permitWait;
  private final Semaphore connections = new Semaphore(CONNECTIONS, true);
  private final ByteBudget memory = new ByteBudget(MEMORY);

  /**
   * A small read waits for one of its connections {@code connectionWait} less the control requests'
   * pool's wait ({@code poolWait}, which it may wait after it when other control requests hold the
   * rest of that pool), but never less than half of {@code connectionWait}: {@code connectionWait}
   * in all by default, at most one and a half times it where {@code poolWait} is over half of it.
   * Each waited its own bound before, up to 12.5 s by default of the 10 s promised. Leaving only
   * what the pool's wait left was no wait at all for a {@code connectionWait} at or below half the
   * control timeout, and every burst of more than {@link #CONNECTIONS} small downloads, common,
   * answered {@code storage-busy} at once for the sake of a pool wait that happens only when other
   * control requests fill the pool, rare.
   */
  SmallReads(S3Client control, String bucket, Duration connectionWait, Duration poolWait) {
    this.control = control;
    this.bucket = bucket;
    this.permitWait = permitWait(connectionWait, poolWait);
  }

  /** How long a small read waits for one of its connections (see the constructor). */
  static Duration permitWait(Duration connectionWait, Duration poolWait) {
    Duration left = connectionWait.minus(poolWait);
    Duration half = connectionWait.dividedBy(2);
    return left.compareTo(half) < 0 ? half : left;
  }

  /** Whether a download of this many bytes is read whole. */
  static boolean fits(long length) {
    return length <= MAX;
  }

  /** Heap held by small downloads now. */
  long heldBytes() {
    return memory.heldBytes();
  }

  /**
   * The blob's bytes (or the range of them), {@code length} of them as recorded, read whole; or
   * what {@code otherwise} gives (the large downloads' way) when the budget has no room for them,
   * or the store holds more than one chunk under this digest, or does not say how many (no {@code
   * Content-Length}; the large way refuses that as the store failing).
   */
  Optional<BlobContent> get(
      String sha256, ByteRange range, long length, Supplier<Optional<BlobContent>> otherwise) {
    int room = memory.tryTake((int) length);
    if (room == 0) {
      return otherwise.get();
    }
    boolean handedOver = false;
    try {
      Optional<BlobContent> read = read(sha256, range);
      if (read == null) {
        return otherwise.get();
      }
      if (read.isEmpty()) {
        return read;
      }
      handedOver = true;
      BlobContent content = read.get();
      return Optional.of(content.through(new GivingBack(content, () -> memory.give(room))));
    } finally {
      if (!handedOver) {
        memory.give(room);
      }
    }
  }

  /**
   * The bytes read whole; empty when there is no object, null when the store holds more than {@link
   * #MAX} bytes under the digest (damaged content) or does not say how many.
   */
  private Optional<BlobContent> read(String sha256, ByteRange range) {
    try {
      if (!connections.tryAcquire(permitWait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw StorageBusyException.noConnection();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StorageBusyException.noConnection();
    }
    try (ResponseInputStream<GetObjectResponse> stream =
        control.getObject(b -> BlobObjects.get(b, bucket, sha256, range))) {
      GetObjectResponse response = stream.response();
      Long length = response.contentLength();
      if (length == null || length > MAX) {
        // not what was recorded (damaged content, a chunked answer): not read here
        stream.abort();
        return null;
      }
      long objectSize = range == null ? length : BlobObjects.objectSize(response.contentRange());
      String version = BlobObjects.version(response.eTag(), response.lastModified());
      byte[] bytes = stream.readNBytes(length.intValue());
      if (bytes.length < length) {
        throw new StorageUnavailableException(
            "reading blob " + sha256 + ": the store ended it after " + bytes.length + " bytes",
            null);
      }
      return Optional.of(
          new BlobContent(new ByteArrayInputStream(bytes), length, objectSize, version));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw StoreFailures.of("reading blob " + sha256, e);
    } catch (IOException e) {
      throw new StorageUnavailableException("reading blob " + sha256 + " failed: " + e, e);
    } finally {
      connections.release();
    }
  }

  /** The bytes of a small download, which give their room back once closed. */
  private static final class GivingBack extends FilterInputStream {

    private final Runnable giveBack;
    private boolean closed;

    GivingBack(BlobContent content, Runnable giveBack) {
      super(content.stream());
      this.giveBack = giveBack;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        giveBack.run();
      }
      super.close();
    }
  }
}
