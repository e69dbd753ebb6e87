package dev.pt2cache;

import dev.pt2cache.system.HostName;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;

/**
 * The PT2 compile cache service: look up, upload, download and invalidate torch.compile artifacts.
 */
// no Spring Boot error page: errors that escape the application are Tomcat's to report, as problems
// (problem/TomcatProblems), and /error is a path like any other
@SpringBootApplication(exclude = ErrorMvcAutoConfiguration.class)
@ConfigurationPropertiesScan
public class Pt2CacheApplication {

  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(Pt2CacheApplication.class);
    // the host's name for the logs where HOSTNAME is not in the environment (a plain shell)
    application.setDefaultProperties(Map.of("pt2cache.host", HostName.get()));
    application.run(args);
  }
}
