package dev.pt2cache.blob;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link BlobStore} on any S3-compatible server. Content is verified while it streams, and a wrong
 * upload never becomes visible under a content address ({@link S3BlobWriter} says how). Downloads,
 * uploads and control requests each use a client of their own ({@link StoreClients}). This class
 * keeps the byte paths and their admission ({@link StorePermits}) and hands every request that
 * moves no blob's bytes to a class of its own: {@link S3ControlCalls}, {@link S3Deletes}, {@link
 * S3Listing}; what a failure means is {@link StoreFailures}'s.
 */
public class S3BlobStore implements BlobStore, AutoCloseable, MeterBinder {

  /** The bucket's creation, as its failure names it ({@link StoreRefusedAtStart} reads it). */
  static final String CREATING_BUCKET = S3ControlCalls.CREATING_BUCKET;

  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(30);

  private final S3Client downloads;
  private final String bucket;
  private final S3BlobWriter writer;
  private final StorePermits permits;
  private final ByteBudget headRoom;
  private final AtomicLong partBytes = new AtomicLong();
  private final SmallReads smallReads;
  private final Duration controlTimeout;
  private final ExecutorService partSenders;
  private final S3Deletes deletes;
  private final S3Listing listing;
  private final S3ControlCalls calls;

  S3BlobStore(StoreClients clients, StorageProperties properties) {
    this.downloads = clients.downloads();
    S3Client control = clients.control();
    this.bucket = properties.bucket();
    this.deletes = new S3Deletes(control, bucket, properties.controlTimeout());
    this.listing = new S3Listing(control, bucket);
    this.smallReads =
        new SmallReads(
            control, bucket, properties.connectionWait(), properties.controlConnectionWait());
    this.permits = new StorePermits(properties);
    this.headRoom =
        new ByteBudget(properties.maxConcurrentPuts() * properties.partSize().toBytes());
    this.controlTimeout = properties.controlTimeout();
    // as many threads as spare buffers at most, so bounded by max-concurrent-puts
    this.partSenders = Executors.newCachedThreadPool(S3BlobStore::partSender);
    this.writer =
        new S3BlobWriter(
            clients.uploads(),
            bucket,
            properties,
            properties.singlePutMax().toBytes(),
            partSenders,
            properties.controlTimeout(),
            partBytes);
    this.calls = new S3ControlCalls(clients, bucket, writer);
  }

  /**
   * How near store traffic is to this instance's bounds ({@code PT2CACHE_S3_MAX_CONCURRENT_PUTS},
   * {@code PT2CACHE_S3_MAX_CONNECTIONS}): beyond them requests wait, then get {@code 503
   * storage-busy} ({@link StorePermits}); and the heap that upload heads and small downloads hold.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    permits.bindTo(registry);
    Gauge.builder("pt2cache.store.uploads.buffered", this, S3BlobStore::bufferedBytes)
        .description(
            "Heap held by uploads: bodies up to the part size, and the first part of larger ones,"
                + " while their clients send them (at most PT2CACHE_S3_MAX_CONCURRENT_PUTS times"
                + " PT2CACHE_S3_PART_SIZE), and the part buffers of multipart uploads (one per"
                + " upload permit, each a part)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("pt2cache.store.downloads.small", smallReads, SmallReads::heldBytes)
        .description(
            "Heap held by downloads of up to 256 KiB, read whole from the store, while their clients"
                + " read them (at most 16 MB; beyond it they stream as large ones do)")
        .baseUnit("bytes")
        .register(registry);
  }

  /** Heap held by upload heads and by the part buffers of multipart uploads. */
  private long bufferedBytes() {
    return headRoom.heldBytes() + partBytes.get();
  }

  private static Thread partSender(Runnable task) {
    Thread thread = new Thread(task, "blob-part-sender");
    thread.setDaemon(true);
    return thread;
  }

  /**
   * Lets parts in flight finish, for up to 30 s, before the S3 client they use is closed; the
   * application context calls it on shutdown, after the web server has drained its requests.
   */
  @Override
  public void close() {
    partSenders.shutdown();
    try {
      if (!partSenders.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("parts still being sent after {}; their uploads will be aborted", SHUTDOWN_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void put(BlobExpectation expected, InputStream content) {
    put(expected, content, null);
  }

  /** A null namespace counts against no namespace's share (the store's own tests and tools). */
  @Override
  public void put(BlobExpectation expected, InputStream content, String namespace) {
    // its head (the whole of a body up to the part size, the first part of a larger one) is read
    // before the permit, in room of its own: a client slow to send, or one that stopped, holds the
    // room of what it sent, no permit that another upload needs (docs/adr/0036). The head reads
    // only while room is free and otherwise goes to the permit with what it has: heads that waited
    // for room while holding some blocked each other until one gave up, 503 after 30 s with every
    // permit free. A larger head's room comes back as soon as it has gone to the store (a
    // multipart upload's first part: once the store has taken it)
    try (ChunkedBuffer head = writer.readHead(expected, content, headRoom)) {
      if (writer.isWhole(expected, head)) {
        permits.upload(namespace, () -> writer.sendWhole(expected, head));
      } else {
        SparePermits spares = permits.spares(namespace);
        permits.upload(namespace, () -> writer.write(expected, head, content, spares));
      }
    }
  }

  @Override
  public Optional<BlobContent> get(BlobExpectation content, ByteRange range) {
    long length = range == null ? content.sizeBytes() : range.length();
    if (SmallReads.fits(length)) {
      return smallReads.get(content.sha256(), range, length, () -> get(content.sha256(), range));
    }
    return get(content.sha256(), range);
  }

  @Override
  public Optional<BlobContent> get(String sha256, ByteRange range) {
    // a download holds a store connection until its content is closed: at most max-connections
    permits.awaitDownload();
    boolean handedOver = false;
    try {
      ResponseInputStream<GetObjectResponse> stream =
          downloads.getObject(
              b ->
                  BlobObjects.get(b, bucket, sha256, range)
                      // until the store begins to answer, retries included, as a control request
                      // is: a hung store held a download for 4 attempts of the HTTP client's 30 s
                      // socket timeout. The body is handed over once the answer begins, so this
                      // bounds no download's length (docs/adr/0024, amendment)
                      .overrideConfiguration(o -> o.apiCallTimeout(controlTimeout)));
      GetObjectResponse response = stream.response();
      if (response.contentLength() == null) {
        // a chunked answer: neither the size check before the first byte nor a Content-Length of
        // ours is possible; its connection is let go, not left leased until collected
        stream.abort();
        throw new StorageUnavailableException(
            "reading blob " + sha256 + ": the store answered without Content-Length", null);
      }
      long length = response.contentLength();
      handedOver = true;
      return Optional.of(
          new BlobContent(
              new AbortingStream(stream, length, permits::downloadDone),
              length,
              range == null ? length : BlobObjects.objectSize(response.contentRange()),
              BlobObjects.version(response.eTag(), response.lastModified())));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw StoreFailures.of("reading blob " + sha256, e);
    } finally {
      if (!handedOver) {
        permits.downloadDone();
      }
    }
  }

  @Override
  public boolean exists(String sha256) {
    return version(sha256).isPresent();
  }

  @Override
  public Optional<String> version(String sha256) {
    return calls.version(sha256);
  }

  @Override
  public void delete(String sha256) {
    deletes.delete(sha256);
  }

  @Override
  public Set<String> deleteAll(Collection<String> sha256s) {
    return deletes.deleteAll(sha256s);
  }

  @Override
  public Stream<StoredObject> list() {
    return listing.list();
  }

  /**
   * {@inheritDoc} An upload the store refuses to abort is left, and not counted. A store that
   * refuses to list them ({@code ListMultipartUploads} not implemented, or not allowed to these
   * credentials) raises {@link StoreRefusedException}.
   */
  @Override
  public int abortUploadsStartedBefore(Instant before) {
    return calls.abortUploadsStartedBefore(before);
  }

  @Override
  public void checkAvailable() {
    calls.checkAvailable();
  }

  @Override
  public Optional<String> readMarker() {
    return calls.readMarker();
  }

  @Override
  public void writeMarker(String marker) {
    calls.writeMarker(marker);
  }

  /**
   * {@code PT2CACHE_S3_CREATE_BUCKET}'s check and creation. A failure of either is a {@link
   * StorageUnavailableException} naming which, so that the start's report says what the store
   * answered and what to change ({@link StoreRefusedAtStart}); before, the SDK's own exception
   * ended the log in a stack trace.
   */
  void createBucketIfMissing() {
    calls.createBucketIfMissing();
  }
}
