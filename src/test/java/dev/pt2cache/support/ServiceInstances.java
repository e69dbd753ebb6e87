package dev.pt2cache.support;

import dev.pt2cache.Pt2CacheApplication;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Instances of the service of a test's own, on the tests' PostgreSQL and bucket, each on a random
 * port: for what several instances do together (invariant 5).
 */
public final class ServiceInstances {

  private ServiceInstances() {}

  /** Starts one with these settings ({@code PT2CACHE_*} names) and any more configuration. */
  public static ConfigurableApplicationContext start(
      Map<String, String> settings, Class<?>... configuration) {
    return start(settings, List.of(), configuration);
  }

  /**
   * Starts one with these settings ({@code PT2CACHE_*} names, read where application.yaml names
   * them), command-line arguments ({@code --pt2cache.*=...}, which win over application.yaml's own
   * values) and any more configuration.
   */
  public static ConfigurableApplicationContext start(
      Map<String, String> settings, List<String> arguments, Class<?>... configuration) {
    Map<String, Object> properties = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    properties.put("PT2CACHE_PORT", "0");
    properties.put("PT2CACHE_LOG_FORMAT", "");
    properties.putAll(settings);
    Class<?>[] sources = new Class<?>[configuration.length + 1];
    sources[0] = Pt2CacheApplication.class;
    System.arraycopy(configuration, 0, sources, 1, configuration.length);
    return new SpringApplicationBuilder(sources)
        .properties(properties)
        .run(arguments.toArray(String[]::new));
  }

  /** A client of that instance, as the operator. */
  public static ApiClient client(ConfigurableApplicationContext instance) {
    return new ApiClient(((WebServerApplicationContext) instance).getWebServer().getPort());
  }
}
