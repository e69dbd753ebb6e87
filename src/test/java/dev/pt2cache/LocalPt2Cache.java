package dev.pt2cache;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.system.PublishedCredentials;
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
    EmbeddedInfra infra = EmbeddedInfra.start(data, true).stopOnExit();
    String ownToken = given("PT2CACHE_ADMIN_TOKEN");
    // the embedded default fills in what nobody gave: a -D or an environment variable wins, as it
    // does for the jar (a system property set here would win over both)
    infra
        .serviceEnvironment()
        .forEach(
            (name, value) -> {
              if (given(name) == null) {
                System.setProperty(name, value);
              }
            });
    if ((ownToken == null || PublishedCredentials.isPublishedAdminToken(ownToken))
        && System.getProperty("server.address") == null
        && System.getenv("SERVER_ADDRESS") == null) {
      // the README publishes this admin token (and the compose file its own, which a shell may
      // hold too): on this host's loopback only, so that nobody on the network is admin here; an
      // admin token of one's own (or an address) opens it up
      System.setProperty("server.address", "127.0.0.1");
      System.out.printf(
          "listening on 127.0.0.1 only, since the admin token is a published one: set"
              + " PT2CACHE_ADMIN_TOKEN to a secret of your own to listen on every interface%n");
    }
    // plain text at a terminal, unless asked otherwise (-D or the environment, as the jar reads it)
    String logFormat = System.getenv().getOrDefault("PT2CACHE_LOG_FORMAT", "");
    System.setProperty("PT2CACHE_LOG_FORMAT", System.getProperty("PT2CACHE_LOG_FORMAT", logFormat));
    System.out.printf("embedded PostgreSQL and S3 data under %s%n", data);
    try {
      SpringApplication.from(Pt2CacheApplication::main).run(args);
    } catch (RuntimeException | Error startupFailed) {
      infra.close();
      throw startupFailed;
    }
    // stopped after the service has drained its requests and written its last hit statistics
    infra.stopAfterSpring();
  }

  /** A setting given on the command line ({@code -D}) or in the environment; blank is none. */
  private static String given(String name) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null || value.isBlank() ? null : value;
  }
}
