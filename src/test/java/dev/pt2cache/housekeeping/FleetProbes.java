package dev.pt2cache.housekeeping;

import dev.pt2cache.support.ServiceInstances;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What the fleet probes of this package share: instances of one PostgreSQL and bucket. */
final class FleetProbes {

  private FleetProbes() {}

  static ConfigurableApplicationContext instance(Map<String, String> settings) {
    return ServiceInstances.start(settings);
  }

  static int port(ConfigurableApplicationContext c) {
    return ((WebServerApplicationContext) c).getWebServer().getPort();
  }

  static long ready(JdbcClient jdbc, String ns) {
    return jdbc.sql(
            "select coalesce(sum(size_bytes),0) from artifact where namespace=? and state='READY'")
        .param(ns)
        .query(Long.class)
        .single();
  }
}
