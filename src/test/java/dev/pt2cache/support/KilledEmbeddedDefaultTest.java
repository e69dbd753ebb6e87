package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

/**
 * The embedded default ({@code ./mvnw spring-boot:test-run -Dspring-boot.run.jvmArguments=
 * -Dpt2cache.data=DIR}) killed with {@code kill -9} leaves its PostgreSQL running on DIR: the next
 * start on DIR failed ("lock file postmaster.pid already exists", then "Gave up waiting for server
 * to start after 10000ms"), so the README's "data kept between restarts" held only for a graceful
 * stop. The first start runs in a JVM of its own, killed with SIGKILL.
 */
class KilledEmbeddedDefaultTest {

  @TempDir Path parent;

  @Test
  void shouldStartAgainOnTheDataAKilledInstanceLeftWithItsPostgresqlRunning() throws Exception {
    Path data = parent.resolve("data");
    Process first =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                ServiceJvm.CLIENT_COMPILER_ONLY,
                "-cp",
                System.getProperty("java.class.path"),
                FirstStart.class.getName(),
                data.toString())
            .redirectErrorStream(true)
            .start();
    try (var lines = first.inputReader().lines()) {
      assertThat(lines.filter(line -> line.startsWith("kept")).findFirst()).isPresent();
    }
    first.destroyForcibly().waitFor(); // SIGKILL: no exit hook runs
    long left = Long.parseLong(Files.readAllLines(data.resolve("postgres/postmaster.pid")).get(0));
    assertThat(ProcessHandle.of(left).map(ProcessHandle::isAlive)).contains(true);

    try (EmbeddedInfra restarted = EmbeddedInfra.start(data, true);
        Connection c = DriverManager.getConnection(restarted.jdbcUrl(), "postgres", "postgres");
        Statement s = c.createStatement();
        ResultSet kept = s.executeQuery("select n from kept")) {
      assertThat(kept.next()).isTrue();
      assertThat(kept.getInt(1)).isEqualTo(42);
    } finally {
      // before the mend it is still running: stopped before its files go
      for (ProcessHandle postmaster : ProcessHandle.of(left).stream().toList()) {
        postmaster.destroy();
        postmaster.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      FileSystemUtils.deleteRecursively(data);
    }
  }

  /** The first start: a row written, then it waits to be killed. */
  static final class FirstStart {
    public static void main(String[] args) throws Exception {
      EmbeddedInfra infra = EmbeddedInfra.start(Path.of(args[0]), true);
      try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), "postgres", "postgres");
          Statement s = c.createStatement()) {
        s.execute("create table kept (n int); insert into kept values (42)");
      }
      System.out.println("kept");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
