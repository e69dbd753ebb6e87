package dev.pt2cache.system;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Requests run on virtual threads by default from Java 24 on, not on 21 to 23 (docs/adr/0052).
 * There (JEP 444) a virtual thread that waits inside a monitor keeps its carrier, and Tomcat's NIO
 * connector waits for a slow client inside one ({@code Object.wait} on the socket's read or write
 * lock), so slow downloads hold OS threads as platform threads do, and virtual threads would only
 * add the sixth more CPU per request. JEP 491 (Java 24) lets such a thread unmount. On 21 to 23
 * this puts {@code PT2CACHE_VIRTUAL_THREADS=false} behind every other source when none sets it, so
 * the variable, when an operator sets it anywhere (default properties included), still decides.
 */
public final class VirtualThreadsDefault implements EnvironmentPostProcessor {

  static final String VARIABLE = "PT2CACHE_VIRTUAL_THREADS";

  /** The first Java that lets a virtual thread waiting in a monitor unmount (JEP 491). */
  static final int UNPINNED_FROM = 24;

  private final int javaVersion;

  public VirtualThreadsDefault() {
    this(Runtime.version().feature());
  }

  VirtualThreadsDefault(int javaVersion) {
    this.javaVersion = javaVersion;
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    // only where no source sets it: defaultProperties (SpringApplicationBuilder.properties), which
    // SpringApplication moves behind every source after this runs, would lose to a source added
    // last here
    if (javaVersion < UNPINNED_FROM && !environment.containsProperty(VARIABLE)) {
      environment
          .getPropertySources()
          .addLast(new MapPropertySource("virtualThreadsDefault", Map.of(VARIABLE, "false")));
    }
  }
}
