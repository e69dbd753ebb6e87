package dev.pt2cache.bench;

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
      // with the heap fixed at its limit, heap in use always nears it between collections; what
      // the service keeps is what must stay under the limit, and the lowest heap in use seen
      // bounds it from above
      goals.add(
          String.format(
              "Heap under 256 MB during the largest transfers: at most %d MB kept (the lowest"
                  + " heap in use seen), %d MB in use at the peak (%s).",
              memory.lowestHeapBytes() >> 20,
              memory.peakHeapBytes() >> 20,
              memory.lowestHeapBytes() > 0 && memory.lowestHeapBytes() < (256L << 20)
                  ? "met"
                  : "not met"));
    }
    return goals;
  }
}
