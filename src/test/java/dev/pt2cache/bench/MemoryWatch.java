package dev.pt2cache.bench;

import dev.pt2cache.support.HeapMetric;
import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the service's heap in use every 200 ms: its peak, and its lowest, which bounds what the
 * service kept from above (heap in use is what it keeps plus garbage not yet collected); its peak
 * RSS comes from the kernel.
 *
 * <p>The lowest sample, not {@code jvm.gc.live.data.size}: that gauge changes only when the old
 * generation is collected, which may not happen while the transfers run, and then it still shows an
 * earlier phase's figure. On a machine of 16 cores it showed 233 MB "kept" through 8 transfers of 1
 * GiB while full collections in that phase found 47-51 MB alive (bench/findings.md).
 */
final class MemoryWatch {

  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong peakHeap = new AtomicLong();
  private final AtomicLong lowestHeap = new AtomicLong(Long.MAX_VALUE);
  private final ServiceProcess service;

  private MemoryWatch(ServiceProcess service) {
    this.service = service;
  }

  static MemoryWatch start(HttpClient http, String url, ServiceProcess service) {
    MemoryWatch watch = new MemoryWatch(service);
    watch.sampler.scheduleAtFixedRate(
        () -> {
          long used = HeapMetric.used(http, url);
          if (used > 0) { // 0: a missed sample
            watch.peakHeap.accumulateAndGet(used, Math::max);
            watch.lowestHeap.accumulateAndGet(used, Math::min);
          }
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
    return watch;
  }

  TransferScenario.Memory stop(String during) throws Exception {
    sampler.shutdownNow();
    long lowest = lowestHeap.get() == Long.MAX_VALUE ? 0 : lowestHeap.get();
    return new TransferScenario.Memory(peakHeap.get(), lowest, service.peakRss(), during);
  }
}
