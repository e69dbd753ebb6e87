package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * What {@code spring.threads.virtual.enabled} comes to from the shipped {@code application.yaml},
 * per Java version: virtual threads by default from Java 24 only, where a thread blocked in a
 * monitor no longer pins its carrier (docs/adr/0052), and the operator's variable wins on any.
 */
class VirtualThreadsDefaultTest {

  @Test
  void shouldServeOnPlatformThreadsByDefaultOnJava21To23() throws IOException {
    assertThat(virtualThreads(21, Map.of())).isEqualTo("false");
    assertThat(virtualThreads(23, Map.of())).isEqualTo("false");
  }

  @Test
  void shouldServeOnVirtualThreadsByDefaultFromJava24() throws IOException {
    assertThat(virtualThreads(24, Map.of())).isEqualTo("true");
    assertThat(virtualThreads(25, Map.of())).isEqualTo("true");
  }

  @Test
  void shouldTakeTheOperatorsChoiceOnAnyVersion() throws IOException {
    assertThat(virtualThreads(21, Map.of("PT2CACHE_VIRTUAL_THREADS", "true"))).isEqualTo("true");
    assertThat(virtualThreads(25, Map.of("PT2CACHE_VIRTUAL_THREADS", "false"))).isEqualTo("false");
  }

  @Test
  void shouldBeAppliedAtEveryStart() throws IOException {
    Properties factories = new Properties();
    try (Reader reader =
        Files.newBufferedReader(Path.of("src/main/resources/META-INF/spring.factories"))) {
      factories.load(reader);
    }
    assertThat(factories.getProperty(EnvironmentPostProcessor.class.getName()))
        .contains(VirtualThreadsDefault.class.getName());
  }

  private static String virtualThreads(int javaVersion, Map<String, Object> variables)
      throws IOException {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("variables", variables));
    for (PropertySource<?> shipped :
        new YamlPropertySourceLoader()
            .load("application.yaml", new ClassPathResource("application.yaml"))) {
      environment.getPropertySources().addLast(shipped);
    }
    new VirtualThreadsDefault(javaVersion).postProcessEnvironment(environment, null);
    return environment.getProperty("spring.threads.virtual.enabled");
  }
}
