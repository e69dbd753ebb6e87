package dev.pt2cache.support;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Another instance of the service on the test services' database and bucket, with the settings the
 * test's own instance runs with: {@link ServiceTest}'s and those the test class adds with {@link
 * TestPropertySource}. They are given as command-line arguments, which win over application.yaml;
 * given as default properties, as the {@code PT2CACHE_*} names are, a {@code pt2cache.*} setting
 * would lose to application.yaml's own and the instance would run on the production defaults
 * (housekeeping on its schedule among them). Each is checked once started.
 */
public final class SecondInstance implements AutoCloseable {

  private final ConfigurableApplicationContext context;

  public SecondInstance(Class<?> testClass) {
    this(testClass, Map.of());
  }

  /**
   * One with the test class's settings and these ({@code pt2cache.*} names) over them: what the
   * test's own instance gets from a {@code DynamicPropertySource}, which no annotation holds.
   */
  public SecondInstance(Class<?> testClass, Map<String, String> more) {
    Map<String, String> settings = new LinkedHashMap<>();
    TestPropertySource own = testClass.getAnnotation(TestPropertySource.class);
    for (String[] given :
        new String[][] {
          ServiceTest.class.getAnnotation(SpringBootTest.class).properties(),
          own == null ? new String[0] : own.properties()
        }) {
      for (String setting : given) {
        int eq = setting.indexOf('=');
        settings.put(setting.substring(0, eq), setting.substring(eq + 1));
      }
    }
    settings.putAll(more);
    context =
        ServiceInstances.start(
            Map.of(),
            settings.entrySet().stream().map(s -> "--" + s.getKey() + "=" + s.getValue()).toList());
    settings.forEach(
        (name, value) -> {
          if (!value.equals(context.getEnvironment().getProperty(name))) {
            context.close();
            throw new IllegalStateException(
                "the second instance runs with "
                    + name
                    + "="
                    + context.getEnvironment().getProperty(name)
                    + ", not "
                    + value);
          }
        });
  }

  public int port() {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @Override
  public void close() {
    context.close();
  }
}
