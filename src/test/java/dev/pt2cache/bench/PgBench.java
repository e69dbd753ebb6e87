package dev.pt2cache.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The floor of a lookup: the same primary lookup, straight on the same PostgreSQL, at the same
 * concurrency (pgbench, prepared statements, per-transaction latencies from its log).
 */
final class PgBench {

  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial");

  private PgBench() {}

  static Result select(Database db, String sql, int clients, int seconds)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("pgbench-");
    Path script = dir.resolve("select.sql");
    Files.writeString(script, sql + "\n");
    String output =
        Processes.run(
            Map.of("PGPASSWORD", db.password()),
            List.of(
                "pgbench",
                "-n",
                "-M",
                "prepared",
                "-h",
                db.host(),
                "-p",
                Integer.toString(db.port()),
                "-U",
                db.user(),
                "-c",
                Integer.toString(clients),
                "-j",
                Integer.toString(LoadThreads.forConnections(clients)),
                "-T",
                Integer.toString(seconds),
                "-f",
                script.toString(),
                "-l",
                "--log-prefix=" + dir.resolve("log"),
                db.name()));
    Matcher tps = TPS.matcher(output);
    if (!tps.find()) {
      throw new IllegalStateException("unexpected pgbench output:\n" + output);
    }
    List<Long> micros = new ArrayList<>();
    try (Stream<Path> logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("log")).toList()) {
        for (String line : Files.readAllLines(log)) {
          micros.add(Long.parseLong(line.split(" ")[2]));
        }
      }
    }
    long[] nanos = micros.stream().mapToLong(us -> us * 1000).sorted().toArray();
    return new Result(
        Double.parseDouble(tps.group(1)),
        Result.percentile(nanos, 0.5) / 1e6,
        Result.percentile(nanos, 0.99) / 1e6);
  }

  /** Where pgbench connects: the service's own database. */
  record Database(String host, int port, String user, String password, String name) {

    static Database of(String jdbcUrl, String user, String password) {
      Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)").matcher(jdbcUrl);
      if (!m.find()) {
        throw new IllegalArgumentException("cannot read " + jdbcUrl);
      }
      return new Database(m.group(1), Integer.parseInt(m.group(2)), user, password, m.group(3));
    }
  }
}
