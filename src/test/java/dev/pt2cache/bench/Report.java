package dev.pt2cache.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The results as a table on stdout and as docs/benchmarks.md, with the chart beside it. */
final class Report {

  /** What the figures mean and what was done about them: written by hand, kept with the code. */
  private static final Path FINDINGS = Path.of("bench", "findings.md");

  private Report() {}

  static String table(List<Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | case | clients | service | floor | service/floor | "
            + "service p50 / p99 (ms) | floor p50 / p99 (ms) |\n");
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Row r : rows) {
      out.append(
          String.format(
              "| %s | %s | %d | %,.1f %s | %s | %s | %s | %s |%n",
              r.scenario(),
              r.label(),
              r.concurrency(),
              r.service().throughput(),
              r.unit(),
              r.floor() == null ? "-" : String.format("%,.1f %s", r.floor().throughput(), r.unit()),
              Double.isNaN(r.ratio()) ? "-" : String.format("%.2f", r.ratio()),
              latencies(r.service()),
              r.floor() == null ? "-" : latencies(r.floor())));
    }
    return out.toString();
  }

  private static String latencies(Result r) {
    return String.format("%.2f / %.2f", r.p50Millis(), r.p99Millis());
  }

  static void write(
      Path markdown,
      String machine,
      String command,
      List<Row> rows,
      Map<Integer, Double> seeding,
      TransferScenario.Memory memory,
      List<String> goals)
      throws Exception {
    Path chart = markdown.resolveSibling("benchmarks.png");
    if (markdown.toAbsolutePath().getParent() != null) {
      Files.createDirectories(markdown.toAbsolutePath().getParent());
    }
    Map<String, List<double[]>> series = lookupSeries(rows);
    if (!series.isEmpty()) {
      try {
        Chart.lookups(series, chart);
      } catch (RuntimeException | LinkageError noFonts) {
        // a machine without fonts (Fontconfig finds none, or no libfreetype) still gets the report
        System.out.println("chart not drawn: " + noFonts);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append(
        "Every figure stands beside its floor, measured in the same run on the same machine: "
            + "lookups beside the same select on the same PostgreSQL (pgbench, prepared, same "
            + "concurrency), entries and transfers beside the same GET or PUT straight to the same "
            + "S3 server, sent by the same HTTP client (Java's, to a presigned URL), so the only "
            + "difference is the server that answers. Each scenario runs after a warm-up, as a "
            + "long-running service is met. Throughput is requests per second or MB/s (10^6 "
            + "bytes); latencies are per request or per transfer.\n\n");
    md.append("## Run\n\n")
        .append(machine)
        .append("\n\nCommand: `")
        .append(command)
        .append("`\n\n");
    md.append("## Results\n\n").append(table(rows)).append('\n');
    md.append("![Lookups per second against concurrency](benchmarks.png)\n\n");
    md.append(
        "## Growth: seeding time\n\n| artifacts stored | seeding took (s) |\n| ---: | ---: |\n");
    seeding.forEach((n, s) -> md.append(String.format("| %,d | %.1f |%n", n, s)));
    md.append("\n## Memory\n\n");
    if (memory != null) {
      md.append(
          String.format(
              "While %s: peak heap in use %,d MB (garbage included: the heap fills up to its"
                  + " limit between collections); the most heap a collection left in use %,d MB"
                  + " (what the service kept then, and old garbage a young collection does not"
                  + " reach), %d full collections%s; peak resident memory %,d MB (the service's"
                  + " whole process).%n%n",
              memory.during(),
              memory.peakHeapBytes() >> 20,
              memory.collections().mostAfterAnyMb(),
              memory.collections().fullCollections(),
              memory.collections().fullCollections() == 0
                  ? ""
                  : String.format(
                      " (the most one left: %,d MB, live data)",
                      memory.collections().mostAfterFullMb()),
              memory.peakRssBytes() >> 20));
    } else {
      md.append("Not measured in this run.\n\n");
    }
    md.append("## Goals\n\n");
    goals.forEach(g -> md.append("- ").append(g).append('\n'));
    if (Files.exists(FINDINGS)) {
      md.append('\n').append(Files.readString(FINDINGS));
    }
    Files.writeString(markdown, md.toString());
  }

  static Map<String, List<double[]>> lookupSeries(List<Row> rows) {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (Row r : rows) {
      if (r.scenario().equals("lookup")) {
        series
            .computeIfAbsent("service, " + r.label(), k -> new ArrayList<>())
            .add(new double[] {r.concurrency(), r.service().throughput()});
        series
            .computeIfAbsent("PostgreSQL floor, " + r.label(), k -> new ArrayList<>())
            .add(new double[] {r.concurrency(), r.floor().throughput()});
      }
    }
    return series;
  }
}
