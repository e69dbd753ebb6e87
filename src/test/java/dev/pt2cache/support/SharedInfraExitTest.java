package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.Pt2CacheApplication;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;

/**
 * A test JVM's shared PostgreSQL and S3 server stop after the JVM's Spring contexts have closed,
 * not beside them. Stopped beside them, PostgreSQL went while the contexts were still closing, one
 * at a time: their scheduled tasks each waited the pool's connection wait for a connection that
 * could not be made, and a test JVM with some 20 contexts was still closing them 30 s after its
 * last test, when surefire killed it (docs/adr/0005, "a test JVM's servers stop after its
 * contexts"). One context in a JVM of its own, which exits as surefire's test JVMs do.
 */
class SharedInfraExitTest {

  private static final String STARTED = "service started";
  private static final String POOL_CLOSED = "HikariPool-1 - Shutdown completed";

  @Test
  void shouldStopTheSharedServersOnlyAfterTheContextHasClosedAndLeaveNoPostgresql()
      throws Exception {
    Process jvm =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                ServiceJvm.CLIENT_COMPILER_ONLY,
                "-cp",
                System.getProperty("java.class.path"),
                ServiceThenExit.class.getName())
            .redirectErrorStream(true)
            .start();
    List<String> lines = new ArrayList<>();
    long postmaster = -1;
    long exitAsked = 0;
    try (var output = jvm.inputReader()) {
      for (String line = output.readLine(); line != null; line = output.readLine()) {
        lines.add(line);
        if (line.startsWith("postmaster ")) {
          postmaster = Long.parseLong(line.substring("postmaster ".length()));
        }
        if (line.equals(STARTED)) {
          exitAsked = System.nanoTime();
        }
      }
    }
    assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Duration exit = Duration.ofNanos(System.nanoTime() - exitAsked);
    System.out.printf("exit took %d ms%n", exit.toMillis());

    assertThat(lines).contains(STARTED);
    int poolClosed = indexOf(lines, POOL_CLOSED);
    int serversStop = indexOf(lines, EmbeddedInfra.STOPPING);
    assertThat(poolClosed).as("the service's pool closed").isNotNegative();
    assertThat(serversStop)
        .as("the servers stop after the service's pool has closed")
        .isGreaterThan(poolClosed);
    assertThat(exit).isLessThan(Duration.ofSeconds(20));
    assertThat(postmaster).isPositive();
    // the postmaster removes its pid file, which its stop waits for, a moment before it ends
    Optional<ProcessHandle> left = ProcessHandle.of(postmaster);
    if (left.isPresent()) {
      assertThat(left.get().onExit())
          .as("PostgreSQL left running")
          .succeedsWithin(Duration.ofSeconds(5));
    }
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  /** The shared servers and the service on them, then an exit as a test JVM's. */
  static final class ServiceThenExit {
    public static void main(String[] args) throws Exception {
      EmbeddedInfra infra = EmbeddedInfra.shared();
      System.out.println(
          "postmaster "
              + Files.readAllLines(infra.dataDirectory().resolve("postgres/postmaster.pid"))
                  .get(0)
                  .trim());
      infra.serviceEnvironment().forEach(System::setProperty);
      System.setProperty("PT2CACHE_PORT", "0");
      System.setProperty("server.address", "127.0.0.1");
      SpringApplication.from(Pt2CacheApplication::main).run();
      System.out.println(STARTED);
      System.out.flush();
      System.exit(0);
    }
  }
}
