package dev.pt2cache.bench;

import dev.pt2cache.support.GcLog;
import dev.pt2cache.support.ServiceJvm;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The packaged service (target/*.jar) in a JVM of its own, as it runs in production. */
final class ServiceProcess implements AutoCloseable {

  private final ServiceJvm jvm;
  private final Path gcLog;
  final String url;

  private ServiceProcess(ServiceJvm jvm, Path gcLog) {
    this.jvm = jvm;
    this.gcLog = gcLog;
    this.url = jvm.url();
  }

  static ServiceProcess start(
      String java, List<String> jvmOptions, Map<String, String> env, Path log) throws Exception {
    Path jar;
    try (var files = Files.list(Path.of("target"))) {
      jar =
          files
              .filter(p -> p.getFileName().toString().matches("pt2-compile-cache-.*\\.jar"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no jar in target/: package first"));
    }
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    // its collections, for what the heap held while the largest transfers ran (MemoryWatch)
    Path gcLog = log.resolveSibling("bench-service-gc.log");
    command.add(GcLog.option(gcLog));
    command.add("-jar");
    command.add(jar.toString());
    // the jar writes no port file: a port found free now (the benchmark runs alone on its host)
    Map<String, String> withPort = new HashMap<>(env);
    withPort.putIfAbsent("PT2CACHE_PORT", Integer.toString(freePort()));
    return new ServiceProcess(ServiceJvm.start(command, withPort, log), gcLog);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** How many lines the service's GC log has now. */
  long gcLogLines() throws IOException {
    try (var lines = Files.lines(gcLog)) {
      return lines.count();
    }
  }

  /** The collections the service's GC log shows after its first {@code lines} lines. */
  GcLog collectionsSince(long lines) throws IOException {
    return GcLog.read(gcLog, lines);
  }

  /** Peak resident memory of the process so far (VmHWM), in bytes. */
  long peakRss() throws IOException {
    return statusKilobytes("VmHWM") * 1024;
  }

  private long statusKilobytes(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + jvm.pid() + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }

  @Override
  public void close() throws InterruptedException {
    jvm.close();
  }
}
