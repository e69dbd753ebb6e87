package dev.pt2cache;

import dev.pt2cache.support.EmbeddedInfra;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;

/**
 * The service on its embedded default: a real PostgreSQL and a real S3 server in-process, data kept
 * under {@code ./data} (or {@code -Dpt2cache.data=DIR}) between restarts. Run with {@code ./mvnw
 * spring-boot:test-run}; the packaged jar carries none of this.
 */
public final class LocalPt2Cache {

  private LocalPt2Cache() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(System.getProperty("pt2cache.data", "data")).toAbsolutePath();
    EmbeddedInfra infra = EmbeddedInfra.start(data, true);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(infra)));
    infra.serviceEnvironment().forEach(System::setProperty);
    System.setProperty("PT2CACHE_LOG_FORMAT", System.getProperty("PT2CACHE_LOG_FORMAT", ""));
    System.out.printf("embedded PostgreSQL and S3 data under %s%n", data);
    SpringApplication.from(Pt2CacheApplication::main).run(args);
  }

  private static void stop(EmbeddedInfra infra) {
    try {
      infra.close();
    } catch (Exception e) {
      System.err.println("stopping embedded servers: " + e);
    }
  }
}
