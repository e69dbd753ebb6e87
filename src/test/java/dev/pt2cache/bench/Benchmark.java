package dev.pt2cache.bench;

import dev.pt2cache.support.EmbeddedInfra;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole benchmark in one run: starts PostgreSQL and S3Proxy in-process and the packaged service
 * in a JVM of its own (or targets a running deployment, {@code BENCH_URL} and friends), runs every
 * scenario, prints the table and writes docs/benchmarks.md and its chart. It prints numbers; it
 * never fails on them. Run it with {@code bench/run.sh}.
 */
public final class Benchmark {

  private Benchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = Integer.parseInt(env("BENCH_SECONDS", "10"));
    boolean quick = env("BENCH_QUICK", "0").equals("1");
    Path out = Path.of(env("BENCH_OUT", "docs/benchmarks.md"));
    String java =
        env("BENCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> jvm = Arrays.asList(env("BENCH_SERVICE_OPTS", "-Xms256m -Xmx256m").split(" "));
    Map<String, String> serviceEnv = new LinkedHashMap<>();
    EmbeddedInfra infra = null;
    ServiceProcess service = null;
    Target target;
    String user = env("BENCH_DB_USER", "postgres");
    String password = env("BENCH_DB_PASSWORD", "postgres");
    try {
      if (System.getenv("BENCH_URL") != null) {
        target =
            new Target(
                System.getenv("BENCH_URL"),
                PgBench.Database.of(System.getenv("BENCH_JDBC_URL"), user, password),
                System.getenv("BENCH_JDBC_URL"),
                URI.create(System.getenv("BENCH_S3_ENDPOINT")),
                System.getenv("BENCH_S3_ACCESS_KEY"),
                System.getenv("BENCH_S3_SECRET_KEY"),
                env("BENCH_S3_BUCKET", "pt2cache"));
      } else {
        infra =
            EmbeddedInfra.start(Files.createTempDirectory("pt2cache-bench-"), false).stopOnExit();
        serviceEnv.putAll(infra.serviceEnvironment());
        serviceEnv.putAll(
            System.getenv().entrySet().stream()
                .filter(e -> e.getKey().startsWith("PT2CACHE_"))
                .collect(
                    LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));
        service =
            ServiceProcess.start(java, jvm, serviceEnv, Path.of("target", "bench-service.log"));
        target =
            new Target(
                service.url,
                PgBench.Database.of(infra.jdbcUrl(), user, password),
                infra.jdbcUrl(),
                infra.s3Endpoint(),
                EmbeddedInfra.S3_IDENTITY,
                EmbeddedInfra.S3_CREDENTIAL,
                EmbeddedInfra.BUCKET);
      }
      run(target, service, seconds, quick, out, java, jvm, user, password);
    } finally {
      if (service != null) {
        service.close();
      }
      if (infra != null) {
        infra.close();
      }
    }
    // S3Proxy leaves non-daemon threads behind
    System.exit(0);
  }

  private static void run(
      Target target,
      ServiceProcess service,
      int seconds,
      boolean quick,
      Path out,
      String java,
      List<String> jvm,
      String user,
      String password)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    List<String> only =
        Arrays.asList(env("BENCH_ONLY", "lookup,entries,transfer,growth").split(","));
    Fixture fixture = Fixture.create(target, "bench");
    if (only.contains("lookup")) {
      print("lookups", rows, LookupScenario.run(target, fixture, new int[] {1, 16, 64}, seconds));
    }
    if (only.contains("entries")) {
      print("entries", rows, EntriesScenario.run(target, "bench", 16, seconds));
    }
    TransferScenario.Memory[] memory = new TransferScenario.Memory[1];
    if (only.contains("transfer")) {
      long[] sizes =
          quick ? new long[] {1L << 20, 64L << 20} : new long[] {1L << 20, 64L << 20, 1L << 30};
      print(
          "transfers",
          rows,
          TransferScenario.run(target, "bench", sizes, new int[] {1, 8}, service, memory));
    }
    Map<Integer, Double> seeding = GrowthScenario.newTimes();
    if (only.contains("growth")) {
      int[] growth = quick ? new int[] {1_000, 100_000} : new int[] {1_000, 100_000, 1_000_000};
      Fixture growing = Fixture.create(target, "growth");
      print(
          "growth",
          rows,
          GrowthScenario.run(target, growing, growth, 16, seconds, user, password, seeding));
    }
    String machine = Machine.describe(java, jvm, service != null);
    String command = command();
    Report.write(
        out,
        machine + "\n\nDate: " + LocalDate.now(),
        command,
        rows,
        seeding,
        memory[0],
        Goals.check(rows, memory[0]));
    System.out.println("\n" + Report.table(rows));
    System.out.println("written: " + out + " and " + out.resolveSibling("benchmarks.png"));
  }

  /** The command line as run: the settings given (secrets left out) before the script. */
  private static String command() {
    StringBuilder line = new StringBuilder();
    new TreeMap<>(System.getenv())
        .forEach(
            (name, value) -> {
              boolean setting = name.startsWith("BENCH_") || name.startsWith("PT2CACHE_");
              boolean secret = name.contains("SECRET") || name.contains("PASSWORD");
              if (setting && !secret) {
                line.append(name).append('=').append(value).append(' ');
              }
            });
    return line.append("bash bench/run.sh").toString();
  }

  private static void print(String scenario, List<Row> all, List<Row> rows) {
    all.addAll(rows);
    System.out.println("== " + scenario + "\n" + Report.table(rows));
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
