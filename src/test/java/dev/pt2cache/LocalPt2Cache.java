package dev.pt2cache;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.system.PublishedCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The service on its embedded default: a real PostgreSQL and a real S3 server in-process, data kept
 * under {@code ./data} (or {@code -Dpt2cache.data=DIR}) between restarts. Run with {@code ./mvnw
 * spring-boot:test-run}; the packaged jar carries none of this.
 */
public final class LocalPt2Cache {

  /** Each server the embedded default starts, by the setting that gives its address. */
  private static final List<Map.Entry<String, String>> SERVERS =
      List.of(Map.entry("PT2CACHE_DB_URL", "PostgreSQL"), Map.entry("PT2CACHE_S3_ENDPOINT", "S3"));

  private LocalPt2Cache() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(System.getProperty("pt2cache.data", "data")).toAbsolutePath();
    EmbeddedInfra infra = EmbeddedInfra.start(data, true).stopOnExit();
    String ownToken = given("PT2CACHE_ADMIN_TOKEN");
    // the embedded default fills in what nobody gave: a -D or an environment variable wins, as it
    // does for the jar (a system property set here would win over both)
    List<String> servers = servers(LocalPt2Cache::given);
    filledIn(infra.serviceEnvironment(), LocalPt2Cache::given).forEach(System::setProperty);
    servers.forEach(System.out::println);
    if ((ownToken == null || PublishedCredentials.isPublishedAdminToken(ownToken))
        && System.getProperty("server.address") == null
        && System.getenv("SERVER_ADDRESS") == null) {
      // the README publishes this admin token (and the compose file its own, which a shell may
      // hold too): on this host's loopback only, so that nobody on the network is admin here; an
      // admin token of one's own (or an address) opens it up
      System.setProperty("server.address", "127.0.0.1");
      String actuatorPort = given("MANAGEMENT_SERVER_PORT");
      if (actuatorPort != null
          && !actuatorPort.equals(given("PT2CACHE_PORT"))
          && given("MANAGEMENT_SERVER_ADDRESS") == null
          && System.getProperty("management.server.address") == null) {
        // an actuator on a port of its own listens on every interface whatever server.address
        // says (its metrics name every namespace and token); Spring refuses the address on the
        // service's own port
        System.setProperty("management.server.address", "127.0.0.1");
      }
      System.out.printf(
          "listening on 127.0.0.1 only, since the admin token is a published one: set"
              + " PT2CACHE_ADMIN_TOKEN to a secret of your own to listen on every interface%n");
    }
    // plain text at a terminal, unless asked otherwise (-D or the environment, as the jar reads it)
    String logFormat = System.getenv().getOrDefault("PT2CACHE_LOG_FORMAT", "");
    System.setProperty("PT2CACHE_LOG_FORMAT", System.getProperty("PT2CACHE_LOG_FORMAT", logFormat));
    System.out.printf("the embedded servers' data under %s%n", data);
    try {
      writePort(SpringApplication.from(Pt2CacheApplication::main).run(args));
    } catch (RuntimeException | Error startupFailed) {
      infra.close();
      throw startupFailed;
    }
    // stopped after the service has drained its requests and written its last hit statistics
    infra.stopAfterSpring();
  }

  /**
   * The embedded default's settings that nobody gave. A server given by its address ({@code
   * PT2CACHE_DB_URL}, {@code PT2CACHE_S3_ENDPOINT}: one a shell kept from a compose session, say)
   * takes none of the embedded server's other settings: its credentials and bucket are not the
   * embedded one's, and the service's own defaults or what is given apply.
   */
  private static Map<String, String> filledIn(
      Map<String, String> embedded, Function<String, String> given) {
    Map<String, String> filled = new LinkedHashMap<>();
    embedded.forEach(
        (name, value) -> {
          boolean serverGiven =
              SERVERS.stream()
                  .map(Map.Entry::getKey)
                  .anyMatch(
                      address -> name.startsWith(prefix(address)) && given.apply(address) != null);
          if (!serverGiven && given.apply(name) == null) {
            filled.put(name, value);
          }
        });
    return filled;
  }

  /**
   * What the start says of each server: the embedded one, or the one given by its address, which
   * the embedded default does not use (the data then is not under {@code pt2cache.data}).
   */
  private static List<String> servers(Function<String, String> given) {
    return SERVERS.stream()
        .map(
            server ->
                given.apply(server.getKey()) == null
                    ? "%s: the embedded one".formatted(server.getValue())
                    : ("%s: the one %s names, as given; the embedded one is not used, nor its"
                            + " other %s* settings")
                        .formatted(server.getValue(), server.getKey(), prefix(server.getKey())))
        .toList();
  }

  private static String prefix(String address) {
    return address.substring(0, address.lastIndexOf('_') + 1);
  }

  /**
   * The port the service listens on, in the file {@code PT2CACHE_PORT_FILE} names where one is
   * named (written whole, by a rename): a test that starts it on {@code PT2CACHE_PORT=0}, the OS
   * picking a free port as the service binds it, learns the port there. A port found free before
   * the start may be taken by another process (a test JVM beside this one) before the service binds
   * it, and a health check may then be answered by that other service.
   */
  private static void writePort(SpringApplication.Running running) throws IOException {
    String file = given("PT2CACHE_PORT_FILE");
    if (file != null
        && running.getApplicationContext() instanceof WebServerApplicationContext web) {
      Path target = Path.of(file);
      Path whole = target.resolveSibling(target.getFileName() + ".tmp");
      Files.writeString(whole, Integer.toString(web.getWebServer().getPort()));
      Files.move(whole, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** A setting given on the command line ({@code -D}) or in the environment; blank is none. */
  private static String given(String name) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null || value.isBlank() ? null : value;
  }
}
