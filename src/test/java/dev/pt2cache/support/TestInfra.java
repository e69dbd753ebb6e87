package dev.pt2cache.support;

import java.util.Map;

/**
 * The PostgreSQL and S3 server the service under test talks to: in-process by default, or
 * containers (PostgreSQL 17 + MinIO) with {@code -Dpt2cache.test.infra=containers}.
 */
public final class TestInfra {

  public static final String MODE_PROPERTY = "pt2cache.test.infra";

  private TestInfra() {}

  public static boolean containers() {
    return "containers".equals(System.getProperty(MODE_PROPERTY, "embedded"));
  }

  /** The service's environment for the current infrastructure, starting it on first use. */
  public static Map<String, String> serviceEnvironment() {
    return containers()
        ? ContainerInfra.shared().serviceEnvironment()
        : EmbeddedInfra.shared().serviceEnvironment();
  }
}
