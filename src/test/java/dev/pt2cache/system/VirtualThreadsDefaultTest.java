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
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
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

  @Test
  void shouldTakeTheVariableFromTheApplicationsDefaultPropertiesToo() {
    // SpringApplicationBuilder.properties(...) and setDefaultProperties give the variable through
    // defaultProperties, which SpringApplication moves behind every source once the post-processors
    // have run; a real start, with this post-processor as on Java 21 after Spring Boot's own
    SpringApplication application = new SpringApplication(Nothing.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setDefaultProperties(Map.of("PT2CACHE_VIRTUAL_THREADS", "true"));
    application.addListeners(
        (ApplicationListener<ApplicationEnvironmentPreparedEvent>)
            prepared ->
                new VirtualThreadsDefault(21)
                    .postProcessEnvironment(prepared.getEnvironment(), application));
    try (ConfigurableApplicationContext started = application.run()) {
      assertThat(started.getEnvironment().getProperty("spring.threads.virtual.enabled"))
          .isEqualTo("true");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Nothing {}

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
