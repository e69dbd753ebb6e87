package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Status;

/**
 * A PostgreSQL that stops answering (its process stopped, its route dropped) turns readiness down
 * within seconds. Spring Boot's own check asked the connection {@code isValid(0)}, without a time
 * limit, and held every probe until the database came back.
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class DatabaseHealthIndicatorTest {

  @Test
  void shouldSayDownSoonWhenTheDatabaseStopsAnswering() throws Exception {
    Map<String, String> env = TestInfra.serviceEnvironment();
    URI database = URI.create(env.get("PT2CACHE_DB_URL").substring("jdbc:".length()));
    try (FreezingProxy proxy = new FreezingProxy(database.getHost(), database.getPort());
        HikariDataSource pool = new HikariDataSource()) {
      pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + database.getPath());
      pool.setUsername(env.get("PT2CACHE_DB_USER"));
      pool.setPassword(env.get("PT2CACHE_DB_PASSWORD"));
      pool.setMaximumPoolSize(1);
      pool.setConnectionTimeout(1000);
      DatabaseHealthIndicator health = new DatabaseHealthIndicator(pool);
      try {
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);

        proxy.freeze();

        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN));
      } finally {
        health.destroy();
      }
    }
  }

  /** Forwards TCP to PostgreSQL until frozen, then passes nothing either way and closes nothing. */
  private static final class FreezingProxy implements AutoCloseable {

    private final ServerSocket server;
    private volatile boolean frozen;

    FreezingProxy(String host, int port) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      daemon(
          () -> {
            while (!server.isClosed()) {
              try {
                Socket client = server.accept();
                Socket upstream = new Socket(host, port);
                pipe(client.getInputStream(), upstream.getOutputStream());
                pipe(upstream.getInputStream(), client.getOutputStream());
              } catch (IOException closed) {
                return;
              }
            }
          });
    }

    private void pipe(InputStream from, OutputStream to) {
      daemon(
          () -> {
            byte[] buffer = new byte[8192];
            try {
              for (int n; (n = from.read(buffer)) >= 0; ) {
                while (frozen) {
                  Thread.sleep(50);
                }
                to.write(buffer, 0, n);
                to.flush();
              }
            } catch (IOException | InterruptedException ended) {
              // the connection closed
            }
          });
    }

    private static void daemon(Runnable work) {
      Thread thread = new Thread(work, "freezing-proxy");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void freeze() {
      frozen = true;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
