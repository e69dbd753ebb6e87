package dev.pt2cache.bench;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged service (target/*.jar) in a JVM of its own, as it runs in production. */
final class ServiceProcess implements AutoCloseable {

  private final Process process;
  final String url;

  private ServiceProcess(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  static ServiceProcess start(
      String java, List<String> jvmOptions, Map<String, String> env, Path log) throws Exception {
    File jar =
        Files.list(Path.of("target"))
            .filter(p -> p.getFileName().toString().matches("pt2-compile-cache-.*\\.jar"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no jar in target/: package first"))
            .toFile();
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.getPath());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    builder.environment().put("PT2CACHE_PORT", Integer.toString(port));
    ServiceProcess service = new ServiceProcess(builder.start(), "http://127.0.0.1:" + port);
    service.awaitHealthy();
    return service;
  }

  private void awaitHealthy() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service exited; see its log");
      }
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create(url + "/actuator/health")).build(),
                    BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("the service did not become healthy");
  }

  /** Peak resident memory of the process so far (VmHWM), in bytes. */
  long peakRss() throws IOException {
    return statusKilobytes("VmHWM") * 1024;
  }

  long rss() throws IOException {
    return statusKilobytes("VmRSS") * 1024;
  }

  private long statusKilobytes(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
