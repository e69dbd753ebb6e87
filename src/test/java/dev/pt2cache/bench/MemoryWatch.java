package dev.pt2cache.bench;

import dev.pt2cache.support.HeapMetric;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the service's heap while the largest transfers run: its peak in use, sampled every 200 ms
 * (garbage included: with the heap fixed, it nears the cap between collections whatever the service
 * keeps), and, from the service's GC log, what each collection in the window left in use and how
 * many were full collections; its peak RSS comes from the kernel.
 *
 * <p>The collections, not {@code jvm.gc.live.data.size}: that gauge changes only when the old
 * generation is collected, which may not happen while the transfers run, and then it still shows an
 * earlier phase's figure. On a machine of 16 cores it showed 233 MB "kept" through 8 transfers of 1
 * GiB while full collections in that phase left 47 and 48 MB (bench/findings.md). What a collection
 * leaves bounds what the service kept at that moment from above (young collections leave the old
 * generation's garbage), and a full collection in the window means the heap ran out before G1's
 * concurrent work could keep up.
 */
final class MemoryWatch {

  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong peakHeap = new AtomicLong();
  private final ServiceProcess service;
  private final long gcLogFrom;

  private MemoryWatch(ServiceProcess service) throws IOException {
    this.service = service;
    this.gcLogFrom = service.gcLogLines();
  }

  static MemoryWatch start(HttpClient http, String url, ServiceProcess service) throws IOException {
    MemoryWatch watch = new MemoryWatch(service);
    watch.sampler.scheduleAtFixedRate(
        () -> watch.peakHeap.accumulateAndGet(HeapMetric.used(http, url), Math::max),
        0,
        200,
        TimeUnit.MILLISECONDS);
    return watch;
  }

  TransferScenario.Memory stop(String during) throws Exception {
    sampler.shutdownNow();
    return new TransferScenario.Memory(
        peakHeap.get(), service.collectionsSince(gcLogFrom), service.peakRss(), during);
  }
}
