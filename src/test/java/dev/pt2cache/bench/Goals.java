package dev.pt2cache.bench;

import dev.pt2cache.support.GcLog;
import java.util.ArrayList;
import java.util.List;

/** The goals the figures are measured against, each with its verdict in this run. */
final class Goals {

  private Goals() {}

  static List<String> check(List<Row> rows, TransferScenario.Memory memory) {
    List<String> goals = new ArrayList<>();
    rows.stream()
        .filter(
            r -> r.scenario().equals("lookup") && r.label().equals("hit") && r.concurrency() == 64)
        .findFirst()
        .ifPresent(
            r ->
                goals.add(
                    String.format(
                        "Lookup hits at 64 clients at least half the PostgreSQL floor: %.2f of it (%s).",
                        r.ratio(), r.ratio() >= 0.5 ? "met" : "not met")));
    double worstTransfer =
        rows.stream()
            .filter(r -> r.scenario().equals("transfer"))
            .mapToDouble(Row::ratio)
            .min()
            .orElse(Double.NaN);
    goals.add(
        String.format(
            "Transfers at least 80%% of direct S3: the worst case is %.2f (%s).",
            worstTransfer, worstTransfer >= 0.8 ? "met" : "not met"));
    List<Row> growth = rows.stream().filter(r -> r.scenario().equals("growth")).toList();
    if (growth.size() >= 2) {
      double ratio =
          growth.get(growth.size() - 1).service().p99Millis() / growth.get(0).service().p99Millis();
      goals.add(
          String.format(
              "Lookup p99 within 2x from the smallest to the largest store: " + "%.2fx (%s).",
              ratio, ratio <= 2 ? "met" : "not met"));
    }
    if (memory != null) {
      // the heap is fixed at its cap (-Xms = -Xmx, 256 MB unless BENCH_SERVICE_OPTS says
      // otherwise), so heap in use nears it between collections whatever the service keeps: the
      // goal is whether the transfers fit in it, and a full collection says they did not (the heap
      // ran out before G1's concurrent work could keep up)
      GcLog gc = memory.collections();
      goals.add(
          String.format(
              "Heap under 256 MB during the largest transfers: the most a collection left in use"
                  + " was %d MB, %d in use at the peak, %d full collections (%s).",
              gc.mostAfterAnyMb(),
              memory.peakHeapBytes() >> 20,
              gc.fullCollections(),
              gc.fullCollections() == 0 && gc.mostAfterAnyMb() < 256 ? "met" : "not met"));
    }
    return goals;
  }
}
