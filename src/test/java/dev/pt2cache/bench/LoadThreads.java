package dev.pt2cache.bench;

/**
 * Threads for wrk and pgbench: {@code BENCH_LOAD_THREADS} (2 unless set), never more than their
 * connections. Two are enough on a machine of two cores, where the generators share the cores with
 * what they measure; on a larger machine two threads would cap the floor before the database does.
 */
final class LoadThreads {

  private LoadThreads() {}

  static int forConnections(int connections) {
    String set = System.getenv("BENCH_LOAD_THREADS");
    int threads = set == null || set.isBlank() ? 2 : Integer.parseInt(set.trim());
    return Math.max(1, Math.min(connections, threads));
  }
}
