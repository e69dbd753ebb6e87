package dev.pt2cache.support;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole service with a pool of {@value #POOL} database connections and a connection wait of 1
 * s, for the tests that fill that pool from inside (a flood of requests whose reads are held at a
 * table locked from outside the pool). All subclasses share one application context
 * (docs/testing.md, how contexts are shared); each test leaves the pool as it found it (every lock
 * it took released, every request answered) and works in a namespace of its own.
 *
 * <p>Unlike {@link ServiceTest}, none of that class's smaller sizes and faster schedules: only
 * housekeeping off and gauges that compute only when asked (nothing else of this instance reads a
 * table while a test holds it).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.datasource.hikari.maximum-pool-size=" + SmallPoolServiceTest.POOL,
      "spring.datasource.hikari.connection-timeout=1000",
      // its sessions are told apart from those of the other test contexts on the same database
      "spring.datasource.hikari.data-source-properties.ApplicationName="
          + SmallPoolServiceTest.APPLICATION,
      "pt2cache.housekeeping.enabled=false",
      "pt2cache.housekeeping.gauge-interval=1h",
      // a blocking invalidation retires its matches two at a time (BlockingInvalidationPoolTest)
      "pt2cache.invalidations.retire-batch=2",
      // what another instance changes in the token table is seen here within this (TokenReadsTest)
      "pt2cache.auth.cache-ttl=1s"
    })
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
public abstract class SmallPoolServiceTest {

  /** The pool's connections. */
  protected static final int POOL = 8;

  /** The {@code application_name} of this context's sessions in {@code pg_stat_activity}. */
  protected static final String APPLICATION = "small-pool-test";

  @LocalServerPort protected int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }
}
