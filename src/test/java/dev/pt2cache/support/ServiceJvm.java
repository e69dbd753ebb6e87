package dev.pt2cache.support;

import dev.pt2cache.LocalPt2Cache;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The service in a JVM of its own, on a free port, stopped as an operator stops it (SIGTERM). */
public final class ServiceJvm implements AutoCloseable {

  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final Duration SHUTDOWN = Duration.ofSeconds(30);

  private final Process process;
  private final int port;

  private ServiceJvm(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * The service on its embedded default ({@link LocalPt2Cache}, from the test classpath) with its
   * data under {@code data}, its settings in {@code env} and its log in {@code data/service.log}.
   */
  public static ServiceJvm embeddedDefault(
      Path data, List<String> jvmOptions, Map<String, String> env) throws Exception {
    return start(embeddedDefaultCommand(data, jvmOptions), env, data.resolve("service.log"));
  }

  /**
   * The command that {@link #embeddedDefault} runs, for a test that runs it in a shell of its own.
   */
  public static List<String> embeddedDefaultCommand(Path data, List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "-Dpt2cache.data=" + data,
            "-DPT2CACHE_LOG_FORMAT=",
            LocalPt2Cache.class.getName()));
    return command;
  }

  /** Runs {@code command}, which starts the service, and waits until it is healthy. */
  public static ServiceJvm start(List<String> command, Map<String, String> env, Path log)
      throws Exception {
    int port = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    builder.environment().put("PT2CACHE_PORT", Integer.toString(port));
    ServiceJvm service = new ServiceJvm(builder.start(), port);
    try {
      service.awaitHealthy();
    } catch (Exception | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  private void awaitHealthy() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service exited while starting; see its log");
      }
      try {
        HttpRequest health = HttpRequest.newBuilder(URI.create(url() + "/actuator/health")).build();
        if (http.send(health, BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("the service did not become healthy within " + STARTUP);
  }

  /**
   * Sends SIGTERM and waits for the JVM to exit; kills it if it has not within 30 s.
   *
   * @return how long it took to exit
   */
  public Duration stop() throws InterruptedException {
    long started = System.nanoTime();
    process.destroy();
    if (!process.waitFor(SHUTDOWN.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return Duration.ofNanos(System.nanoTime() - started);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
