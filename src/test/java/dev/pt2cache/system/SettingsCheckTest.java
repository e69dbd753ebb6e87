package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Settings Spring would read as something else than meant are refused, by their variable's name.
 */
class SettingsCheckTest {

  @Test
  void shouldRefuseABareNumberForADurationSettingOnly() {
    StandardEnvironment environment =
        environment(
            Map.of(
                "PT2CACHE_GRACE", "3600",
                "PT2CACHE_TOKEN_HISTORY", " 365 ",
                "PT2CACHE_RESERVATION_TTL", "90m",
                "PT2CACHE_DB_CONNECTION_WAIT_MS", "5000"));

    assertThat(SettingsCheck.refused(environment))
        .hasSize(2)
        .anySatisfy(refused -> assertThat(refused).startsWith("PT2CACHE_GRACE=3600 has no unit"))
        .anySatisfy(
            refused -> assertThat(refused).startsWith("PT2CACHE_TOKEN_HISTORY=365 has no unit"));
  }

  @Test
  void shouldRefuseANegativeDuration() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_RESERVATION_TTL", "-5s"))))
        .containsExactly("PT2CACHE_RESERVATION_TTL=-5s is negative");
  }

  @Test
  void shouldRefuseAnIntervalOfZero() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_HITS_FLUSH_INTERVAL", "0"))))
        .containsExactly("PT2CACHE_HITS_FLUSH_INTERVAL=0: an interval must be above zero");
    for (String zero : new String[] {"0s", "0S", "+0ms", "PT0S"}) {
      assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_HITS_FLUSH_INTERVAL", zero))))
          .as(zero)
          .hasSize(1);
    }
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_HITS_FLUSH_INTERVAL", "1s"))))
        .isEmpty();
  }

  @Test
  void shouldPassTheDefaultsAndDurationsWithUnits() {
    assertThat(SettingsCheck.refused(environment(Map.of()))).isEmpty();
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_GRACE", "0s")))).isEmpty();
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_GRACE", "0"))))
        .as("0 is 0 in any unit")
        .isEmpty();
  }

  @Test
  void shouldRefuseAnAnswerWaitNoLongerThanTheLockWait() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_ANSWER_WAIT", "15s"))))
        .singleElement(InstanceOfAssertFactories.STRING)
        .contains("PT2CACHE_DB_ANSWER_WAIT", "PT2CACHE_DB_LOCK_WAIT");
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_ANSWER_WAIT", "16s"))))
        .isEmpty();
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_ANSWER_WAIT", "0s"))))
        .isEmpty();
    assertThat(
            SettingsCheck.refused(
                environment(
                    Map.of("PT2CACHE_DB_ANSWER_WAIT", "25s", "PT2CACHE_DB_LOCK_WAIT", "0s"))))
        .isEmpty();
  }

  @Test
  void shouldStartWithALockWaitRaisedPastTheAnswerWaitsDefaultAndWaitLongerForAnswers() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_LOCK_WAIT", "30s"))))
        .isEmpty();
    assertThat(AnswerWait.configured(environment(Map.of("PT2CACHE_DB_LOCK_WAIT", "30s"))))
        .isEqualTo(Duration.ofSeconds(35));
    assertThat(AnswerWait.configured(environment(Map.of()))).isEqualTo(Duration.ofSeconds(20));
    assertThat(AnswerWait.configured(environment(Map.of("PT2CACHE_DB_LOCK_WAIT", "0s"))))
        .isEqualTo(Duration.ofSeconds(20));
    assertThat(
            AnswerWait.configured(
                environment(
                    Map.of("PT2CACHE_DB_LOCK_WAIT", "30s", "PT2CACHE_DB_ANSWER_WAIT", "0s"))))
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void shouldRefuseAConnectionWaitThePoolWouldReadAsDays() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_CONNECTION_WAIT_MS", "0"))))
        .singleElement()
        .asString()
        .startsWith("PT2CACHE_DB_CONNECTION_WAIT_MS=0: give 250 to 300000 (milliseconds)");
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_CONNECTION_WAIT_MS", "250"))))
        .isEmpty();
  }

  /** Before, it started: a request or the readiness check could wait for ever (ADR 0024). */
  @Test
  void shouldRefuseAConnectionWaitOfMoreThanMinutes() {
    assertThat(
            SettingsCheck.refused(
                environment(Map.of("PT2CACHE_DB_CONNECTION_WAIT_MS", "9223372036854775807"))))
        .singleElement()
        .asString()
        .startsWith("PT2CACHE_DB_CONNECTION_WAIT_MS=9223372036854775807: give 250 to 300000");
    assertThat(
            SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_CONNECTION_WAIT_MS", "300001"))))
        .hasSize(1);
    assertThat(
            SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_CONNECTION_WAIT_MS", "300000"))))
        .isEmpty();
  }

  /**
   * Before, {@code SocketBuffers} refused it when Tomcat was made, after the others had passed, as
   * a stack trace rather than the short report of docs/operations.md, "When it will not start":
   * with {@code PT2CACHE_GRACE=3600} beside it, a second start to find it.
   */
  @Test
  void shouldRefuseASocketWriteBufferOutsideItsBoundsWithTheOtherSettings() {
    assertThat(
            SettingsCheck.refused(
                environment(
                    Map.of("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", "512B", "PT2CACHE_GRACE", "3600"))))
        .hasSize(2)
        .anySatisfy(
            refused ->
                assertThat(refused)
                    .startsWith(
                        "PT2CACHE_HTTP_SOCKET_WRITE_BUFFER=512B: give a size from 1KB to 2047MB"));
    assertThat(
            SettingsCheck.refused(environment(Map.of("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", "2GB"))))
        .hasSize(1);
    assertThat(
            SettingsCheck.refused(environment(Map.of("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", "1KB"))))
        .isEmpty();
  }

  /**
   * Before, both passed the check: empty, Tomcat's factory failed on a NullPointerException that
   * named no setting ('"writeBuffer" is null'); not a size, on Spring's conversion ("'lots' does
   * not match data size pattern"), each as "Application run failed" and a stack trace, the other
   * wrong settings left for a later start.
   */
  @Test
  void shouldRefuseASocketWriteBufferThatIsNoSizeWithTheOtherSettings() {
    for (String value : new String[] {"", " ", "lots", "1.5MB"}) {
      assertThat(
              SettingsCheck.refused(
                  environment(
                      Map.of(
                          "PT2CACHE_HTTP_SOCKET_WRITE_BUFFER", value, "PT2CACHE_GRACE", "3600"))))
          .as("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER='%s'", value)
          .hasSize(2)
          .anySatisfy(
              refused ->
                  assertThat(refused)
                      .startsWith("PT2CACHE_HTTP_SOCKET_WRITE_BUFFER=" + value.strip() + ": ")
                      .contains("give a size from 1KB to 2047MB"));
    }
  }

  /** Before, it was taken: the start hung over 10 minutes, growing to 6.4 GB. */
  @Test
  void shouldRefuseAPoolOfMoreThanAThousand() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "2147483647"))))
        .singleElement()
        .asString()
        .startsWith("PT2CACHE_DB_POOL_SIZE=2147483647: give 2 to 1000");
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "1001"))))
        .hasSize(1);
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "1000"))))
        .isEmpty();
  }

  /**
   * A blocking invalidation holds two pooled connections while it retires: with one in the pool, it
   * waited the connection wait for the second and failed every time (measured: 503 after 5.7 s, its
   * rule in force, none of its 3,000 matches retired). Hikari itself reads 0 as 10.
   */
  @Test
  void shouldRefuseAPoolTooSmallForABlockingInvalidation() {
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "1"))))
        .singleElement()
        .asString()
        .startsWith("PT2CACHE_DB_POOL_SIZE=1: give 2 to 1000");
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "0")))).hasSize(1);
    assertThat(SettingsCheck.refused(environment(Map.of("PT2CACHE_DB_POOL_SIZE", "2")))).isEmpty();
  }

  /** The service's configuration as declared, and the given variables above it. */
  private static StandardEnvironment environment(Map<String, Object> variables) {
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    environment.getPropertySources().addFirst(new MapPropertySource("variables", variables));
    environment
        .getPropertySources()
        .addLast(
            new MapPropertySource(
                "Config resource 'class path resource [application.yaml]'",
                Map.of(
                    "pt2cache.housekeeping.grace", "${PT2CACHE_GRACE:1h}",
                    "pt2cache.housekeeping.token-history", "${PT2CACHE_TOKEN_HISTORY:365d}",
                    "pt2cache.uploads.reservation-ttl", "${PT2CACHE_RESERVATION_TTL:1h}",
                    "pt2cache.hits.flush-interval", "${PT2CACHE_HITS_FLUSH_INTERVAL:5s}",
                    "spring.datasource.hikari.connection-timeout",
                        "${PT2CACHE_DB_CONNECTION_WAIT_MS:5000}",
                    "spring.datasource.hikari.maximum-pool-size", "${PT2CACHE_DB_POOL_SIZE:20}",
                    "pt2cache.database.lock-wait", "${PT2CACHE_DB_LOCK_WAIT:15s}",
                    "pt2cache.database.answer-wait", "${PT2CACHE_DB_ANSWER_WAIT:}",
                    "pt2cache.http.socket-write-buffer",
                        "${PT2CACHE_HTTP_SOCKET_WRITE_BUFFER:32KB}")));
    return environment;
  }

  @Test
  void shouldTellAPropertyFromOneWhoseNameBeginsWithIt() {
    assertThat(SettingsCheck.names("pt2cache.a.grace must not be negative", "pt2cache.a.grace"))
        .isTrue();
    assertThat(SettingsCheck.names("pt2cache.a.grace=-1d: bad", "pt2cache.a.grace")).isTrue();
    assertThat(SettingsCheck.names("pt2cache.a.grace-period is wrong", "pt2cache.a.grace"))
        .isFalse();
  }
}
