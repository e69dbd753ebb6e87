package dev.pt2cache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A closed loop of N workers, each doing one operation after another for a while (or a number of
 * times), timing each. For operations that wrk cannot drive (a digest header per request, large
 * streamed bodies, the S3 SDK for floors), the same generator drives service and floor alike.
 */
final class LoadGenerator {

  /** One operation; answers the bytes it moved (0 when only operations count). */
  interface Operation {
    long run(int worker, long iteration) throws Exception;
  }

  private LoadGenerator() {}

  /** Runs for a duration; throughput in operations per second. */
  static Result forSeconds(int workers, int seconds, Operation operation) throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    Measured m = run(workers, (w, i) -> System.nanoTime() < end, operation);
    return Result.ofLatencies(m.latencies(), m.seconds(), m.latencies().length);
  }

  /** Each worker runs the operation n times; throughput in bytes per second. */
  static Result times(int workers, int n, Operation operation) throws Exception {
    Measured m = run(workers, (w, i) -> i < n, operation);
    return Result.ofLatencies(m.latencies(), m.seconds(), m.bytes());
  }

  private interface Condition {
    boolean more(int worker, long iteration);
  }

  private record Measured(long[] latencies, double seconds, long bytes) {}

  private static Measured run(int workers, Condition condition, Operation operation)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long started = System.nanoTime();
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        futures.add(
            pool.submit(
                () -> {
                  List<Long> times = new ArrayList<>();
                  long bytes = 0;
                  for (long i = 0; condition.more(worker, i); i++) {
                    long t = System.nanoTime();
                    bytes += operation.run(worker, i);
                    times.add(System.nanoTime() - t);
                  }
                  long[] out = new long[times.size() + 1];
                  for (int k = 0; k < times.size(); k++) {
                    out[k] = times.get(k);
                  }
                  out[times.size()] = bytes;
                  return out;
                }));
      }
      List<Long> latencies = new ArrayList<>();
      long bytes = 0;
      for (Future<long[]> f : futures) {
        long[] out = f.get();
        for (int k = 0; k < out.length - 1; k++) {
          latencies.add(out[k]);
        }
        bytes += out[out.length - 1];
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      return new Measured(latencies.stream().mapToLong(Long::longValue).toArray(), seconds, bytes);
    } finally {
      pool.shutdownNow();
    }
  }
}
