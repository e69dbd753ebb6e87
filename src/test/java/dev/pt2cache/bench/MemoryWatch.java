package dev.pt2cache.bench;

import dev.pt2cache.support.HeapMetric;
import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the service's heap in use, and what it kept after its last collection, every 200 ms; its
 * peak RSS comes from the kernel.
 */
final class MemoryWatch {

  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong peakHeap = new AtomicLong();
  private final AtomicLong peakLive = new AtomicLong();
  private final ServiceProcess service;

  private MemoryWatch(ServiceProcess service) {
    this.service = service;
  }

  static MemoryWatch start(HttpClient http, String url, ServiceProcess service) {
    MemoryWatch watch = new MemoryWatch(service);
    watch.sampler.scheduleAtFixedRate(
        () -> {
          watch.peakHeap.accumulateAndGet(HeapMetric.used(http, url), Math::max);
          watch.peakLive.accumulateAndGet(HeapMetric.liveAfterCollection(http, url), Math::max);
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
    return watch;
  }

  TransferScenario.Memory stop(String during) throws Exception {
    sampler.shutdownNow();
    return new TransferScenario.Memory(peakHeap.get(), peakLive.get(), service.peakRss(), during);
  }
}
