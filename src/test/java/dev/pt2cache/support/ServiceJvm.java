package dev.pt2cache.support;

import dev.pt2cache.LocalPt2Cache;
import java.io.IOException;
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

/** The service in a JVM of its own, on a free port, stopped as an operator stops it (SIGTERM). */
public final class ServiceJvm implements AutoCloseable {

  /**
   * JVM options for a service whose start and behaviour a test checks, not its speed or its heap:
   * the client compiler only. A start is mostly code run once (Spring's context, Hibernate,
   * Flyway), and the optimizing compiler's work for it costs more than it saves: on this 2-core
   * machine an embedded default's start took 14.2 s and 24.7 s of CPU without it, 11.4 s and 12.5 s
   * of CPU with it (idle machine, 2026-12-07), and on the loaded machine {@code
   * EmbeddedDefaultRestartTest} took 49.9 s and 77.2 s without it, 24.2 to 35.7 s with it. No
   * setting of the service changes. Not for a test that measures transfers or the heap ({@code
   * StreamingLimitTest}): without the optimizing compiler there is no escape analysis, and more is
   * allocated.
   */
  public static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

  /** {@link #CLIENT_COMPILER_ONLY}, as the JVM options {@link #embeddedDefault} takes. */
  public static final List<String> QUICK_START = List.of(CLIENT_COMPILER_ONLY);

  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final Duration SHUTDOWN = Duration.ofSeconds(30);

  private final Process process;
  private final Path portFile;
  private int port;

  /** The actuator's port of its own ({@code MANAGEMENT_SERVER_PORT}), or 0: the service's. */
  private int managementPort;

  private ServiceJvm(Process process, int port, Path portFile) {
    this.process = process;
    this.port = port;
    this.portFile = portFile;
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
    // plain log lines, which tests read, unless the caller's options ask for another format: the
    // last -D of a name is the one the JVM keeps
    command.add("-DPT2CACHE_LOG_FORMAT=");
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "-Dpt2cache.data=" + data,
            LocalPt2Cache.class.getName()));
    return command;
  }

  /**
   * Runs {@code command}, which starts the service, and waits until it is healthy. On the port
   * {@code env}'s {@code PT2CACHE_PORT} gives; without one, on a port the OS picks as the service
   * binds it ({@code PT2CACHE_PORT=0}), which the embedded default ({@link LocalPt2Cache}) writes
   * to the file {@code PT2CACHE_PORT_FILE} names, next to {@code log}. Not a port found free here
   * beforehand: two test JVMs run at once, and the other's listeners (a service, a relay, an S3
   * server) may take it while this one starts; its health check could then be answered by theirs.
   */
  public static ServiceJvm start(List<String> command, Map<String, String> env, Path log)
      throws Exception {
    String given = env.get("PT2CACHE_PORT");
    Path portFile = log.resolveSibling(log.getFileName() + ".port");
    Files.deleteIfExists(portFile);
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("PT2CACHE_PORT", "0");
    builder.environment().put("PT2CACHE_PORT_FILE", portFile.toString());
    builder.environment().putAll(env);
    ServiceJvm service =
        new ServiceJvm(builder.start(), given == null ? 0 : Integer.parseInt(given), portFile);
    String management = env.get("MANAGEMENT_SERVER_PORT");
    service.managementPort = management == null ? 0 : Integer.parseInt(management);
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
      if (port == 0) {
        port = writtenPort();
        if (port == 0) {
          Thread.sleep(300);
          continue;
        }
      }
      try {
        String actuator = managementPort == 0 ? url() : "http://127.0.0.1:" + managementPort;
        HttpRequest health =
            HttpRequest.newBuilder(URI.create(actuator + "/actuator/health")).build();
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

  /** The port the service wrote once it listened; 0 before. */
  private int writtenPort() throws IOException {
    return Files.exists(portFile) ? Integer.parseInt(Files.readString(portFile).strip()) : 0;
  }
}
