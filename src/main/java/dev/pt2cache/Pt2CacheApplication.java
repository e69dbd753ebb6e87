package dev.pt2cache;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The PT2 compile cache service: look up, upload, download and invalidate torch.compile artifacts.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class Pt2CacheApplication {

  public static void main(String[] args) {
    SpringApplication.run(Pt2CacheApplication.class, args);
  }
}
