package dev.pt2cache.blob;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Who may ask the store at once, and how long the others wait: the admission of {@link
 * S3BlobStore}'s requests, kept apart from the S3 calls they guard. An upload writes to the store
 * holding one of {@code max-concurrent-puts} permits ({@link PartBuffers}), and an upload of a
 * namespace holds a place in that namespace's share of them first ({@link UploadShares},
 * docs/adr/0038); a large download holds one of {@code max-connections} until its content is closed
 * (docs/adr/0014). A request that finds none within {@code connection-wait}, both waits of an
 * upload together, is answered {@link StorageBusyException} ({@code 503 storage-busy} with its
 * {@code Retry-After}), in the words of the bound it waited at (docs/adr/0036).
 */
final class StorePermits implements MeterBinder {

  private final PartBuffers uploads;
  private final UploadShares shares;
  private final Semaphore downloads;
  private final int maxDownloads;
  private final Duration connectionWait;

  StorePermits(StorageProperties properties) {
    this.uploads = new PartBuffers(properties.maxConcurrentPuts());
    this.shares = new UploadShares(properties.putsPerNamespace(), properties.maxConcurrentPuts());
    // one per connection of the downloads' pool, so that pool never makes a request wait: the
    // SDK would retry a wait that timed out, up to four times, before the caller heard of it
    this.downloads = new Semaphore(properties.maxConnections(), true);
    this.maxDownloads = properties.maxConnections();
    this.connectionWait = properties.connectionWait();
  }

  /** The permits' gauges: how near store traffic is to this instance's bounds. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("pt2cache.store.uploads.permits.used", uploads, PartBuffers::inUse)
        .description(
            "Upload permits held (an upload writing to the store holds one, a multipart one may"
                + " hold a second), of PT2CACHE_S3_MAX_CONCURRENT_PUTS")
        .register(registry);
    Gauge.builder("pt2cache.store.uploads.waiting", uploads, PartBuffers::waiting)
        .description("Uploads waiting for a permit to write to the store")
        .register(registry);
    Gauge.builder(
            "pt2cache.store.downloads.active",
            downloads,
            permits -> maxDownloads - permits.availablePermits())
        .description("Downloads holding a store connection, of PT2CACHE_S3_MAX_CONNECTIONS")
        .register(registry);
    Gauge.builder("pt2cache.store.downloads.waiting", downloads, Semaphore::getQueueLength)
        .description("Downloads waiting for a store connection")
        .register(registry);
  }

  /**
   * Where a multipart upload of {@code namespace} takes its spare permit: the instance's permits,
   * and its namespace's share of them too. A null namespace counts against no namespace's share.
   */
  SparePermits spares(String namespace) {
    return namespace == null ? uploads : shares.spares(namespace, uploads);
  }

  /**
   * Runs a write to the store holding an upload permit, or answers busy when none came within the
   * connection wait, as a download does: waited 30 s, as long as a client's usual timeout (the
   * Python client's), a busy answer and its Retry-After lost the race to it about half the time,
   * and the client sent its bytes again at once. A null namespace counts against no namespace's
   * share (the store's own tests and tools).
   */
  void upload(String namespace, Runnable write) {
    if (namespace == null) {
      upload(connectionWait, write);
      return;
    }
    // the namespace's share first, so an upload past it waits among its own, never in the queue
    // that other namespaces' uploads wait in; both waits together within the connection wait
    long deadline = System.nanoTime() + connectionWait.toNanos();
    awaitOrBusy(() -> shares.acquire(namespace, connectionWait), () -> shares.refusal(namespace));
    try {
      upload(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), write);
    } finally {
      shares.release(namespace);
    }
  }

  private void upload(Duration wait, Runnable write) {
    awaitOrBusy(() -> uploads.acquire(wait), StorageBusyException::new);
    try {
      write.run();
    } finally {
      uploads.release();
    }
  }

  /**
   * Takes one of the downloads' store connections, or answers busy when none came within the
   * connection wait. The download holds it until its content is closed, then calls {@link
   * #downloadDone}, once.
   */
  void awaitDownload() {
    awaitOrBusy(
        () -> downloads.tryAcquire(connectionWait.toMillis(), TimeUnit.MILLISECONDS),
        StorageBusyException::noConnection);
  }

  /** Gives back what {@link #awaitDownload} took. */
  void downloadDone() {
    downloads.release();
  }

  /** A wait for a permit, true when one was taken. */
  private interface PermitWait {
    boolean acquired() throws InterruptedException;
  }

  /** Takes a permit, or answers busy when none came within its wait (or the wait was cut short). */
  private static void awaitOrBusy(PermitWait wait, Supplier<StorageBusyException> busy) {
    try {
      if (!wait.acquired()) {
        throw busy.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy.get();
    }
  }
}
