package dev.pt2cache.bench;

import java.util.Arrays;

/** One measured case: throughput (operations or bytes per second) and latency percentiles. */
record Result(double throughput, double p50Millis, double p99Millis) {

  static Result ofLatencies(long[] nanos, double seconds, double units) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Result(
        units / seconds, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
  }

  static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }
}
