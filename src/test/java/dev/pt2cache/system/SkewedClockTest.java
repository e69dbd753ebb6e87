package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceInstances;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance whose own clock is two minutes off the database's (a VM resumed from a pause, a host
 * whose NTP broke) judges and stamps times by the database's clock, as the other instances and
 * housekeeping do: it neither refuses what the database still holds live, nor accepts what the
 * database holds expired, nor stamps an artifact minutes away from when it happened.
 */
@Tag("integration")
@ExtendWith(DockerWhenContainers.class)
class SkewedClockTest {

  static final Duration SKEW = Duration.ofMinutes(2);

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Ahead extends Skewed {

    Ahead() {
      super(SKEW);
    }

    /** A reservation declared 59 minutes ago, by another instance, say, with a minute left. */
    @Test
    void shouldTakeTheBytesOfAReservationTheDatabaseStillHolds() {
      byte[] bytes = Fixtures.randomBytes(1000);
      String id = declare(bytes);
      expireIn(id, "1 minute");

      ApiResponse sent = api.putBytes(uploadUrl(id), bytes);

      assertThat(sent.status()).as(sent.text()).isIn(200, 201);
      assertThat(sent.json().get("state").asString()).isEqualTo("ready");
    }

    @Test
    void shouldTakeARuleThatEndsInAMinute() {
      ApiResponse made = blockUntil(databaseNow().plus(Duration.ofMinutes(1)));

      assertThat(made.status()).as(made.text()).isEqualTo(201);
      assertThat(made.json().get("active").asBoolean()).isTrue();
    }

    @Test
    void shouldLetInATokenThatExpiresInAMinute() {
      ApiClient holder = tokenExpiringIn("1 minute");

      assertThat(holder.get("/v1/namespaces/default").status()).isEqualTo(200);
    }

    @Test
    void shouldStampWhatItWritesByTheDatabasesClock() {
      shouldStampByTheDatabasesClock();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Behind extends Skewed {

    Behind() {
      super(SKEW.negated());
    }

    /**
     * The database has held it expired for a minute: the lease no longer counts it, and purge drops
     * it; its bytes are refused as on any instance, not made ready behind the lease's back.
     */
    @Test
    void shouldRefuseTheBytesOfAReservationTheDatabaseHoldsExpired() {
      byte[] bytes = Fixtures.randomBytes(1000);
      String id = declare(bytes);
      expireIn(id, "-1 minute");

      ApiResponse sent = api.putBytes(uploadUrl(id), bytes);

      assertThat(sent.status()).as(sent.text()).isEqualTo(410);
      assertThat(sent.json().get("type").asString()).endsWith("reservation-expired");
    }

    /** A rule that ended a minute ago would be recorded, and never block anything. */
    @Test
    void shouldRefuseARuleThatEndedAMinuteAgo() {
      ApiResponse made = blockUntil(databaseNow().minus(Duration.ofMinutes(1)));

      assertThat(made.status()).as(made.text()).isEqualTo(400);
    }

    @Test
    void shouldShutOutATokenThatExpiredAMinuteAgo() {
      ApiClient holder = tokenExpiringIn("-1 minute");

      assertThat(holder.get("/v1/namespaces/default").status()).isEqualTo(401);
    }

    @Test
    void shouldStampWhatItWritesByTheDatabasesClock() {
      shouldStampByTheDatabasesClock();
    }
  }

  /** One instance of the service whose wall clock is {@code skew} off, and its checks. */
  abstract static class Skewed {

    private final Duration skew;
    private ConfigurableApplicationContext instance;
    ApiClient api;
    JdbcClient jdbc;

    Skewed(Duration skew) {
      this.skew = skew;
    }

    @BeforeAll
    void start() {
      SkewedWallClock.skew = skew;
      // no rounds of its own: on the production schedule it ran retention, purge and reconcile
      // over the shared database and bucket from 30 s after its start, with production settings,
      // and a round its close cut short could keep the job's lock from the next test class
      instance =
          ServiceInstances.start(
              Map.of("PT2CACHE_HOUSEKEEPING_ENABLED", "false"), SkewedWallClock.class);
      api = ServiceInstances.client(instance);
      jdbc = instance.getBean(JdbcClient.class);
    }

    @AfterAll
    void stop() {
      if (instance != null) {
        instance.close();
      }
    }

    Instant databaseNow() {
      return jdbc.sql("select statement_timestamp()").query(Timestamp.class).single().toInstant();
    }

    String declare(byte[] bytes) {
      ApiResponse declared =
          api.postJson("/v1/namespaces/default/artifacts", Descriptors.upload(bytes));
      assertThat(declared.status()).as(declared.text()).isEqualTo(201);
      return declared.json().get("id").asString();
    }

    String uploadUrl(String id) {
      return "/v1/namespaces/default/artifacts/" + id + "/content";
    }

    void expireIn(String id, String interval) {
      jdbc.sql("update artifact set upload_expires_at = now() + ?::interval where id = ?::uuid")
          .params(interval, id)
          .update();
    }

    ApiResponse blockUntil(Instant end) {
      return api.postJson(
          "/v1/namespaces/default/invalidations",
          """
          {"selector": {"modelName": "%s"}, "reason": "skew", "block": true, "expiresAt": "%s"}
          """
              .formatted(Descriptors.uniqueModel(), end.truncatedTo(ChronoUnit.MILLIS)));
    }

    /** A read token whose expiry the database puts {@code interval} from its now. */
    ApiClient tokenExpiringIn(String interval) {
      String name = "skew-" + UUID.randomUUID().toString().substring(0, 8);
      ApiResponse made =
          api.postJson(
              "/v1/tokens",
              "{\"name\": \"%s\", \"role\": \"read\", \"expiresAt\": \"%s\"}"
                  .formatted(name, databaseNow().plus(Duration.ofHours(1))));
      assertThat(made.status()).as(made.text()).isEqualTo(201);
      jdbc.sql("update api_token set expires_at = now() + ?::interval where id = ?::uuid")
          .params(interval, made.json().get("id").asString())
          .update();
      return api.withToken(made.json().get("token").asString());
    }

    /**
     * When an artifact was declared and became ready, and when its reservation ends, as the
     * database's clock had them: the order of least recent use and the lease read them by it.
     */
    void shouldStampByTheDatabasesClock() {
      byte[] bytes = Fixtures.randomBytes(1000);
      Instant before = databaseNow();
      String id = declare(bytes);
      Instant expires =
          jdbc.sql("select upload_expires_at from artifact where id = ?::uuid")
              .param(id)
              .query(Timestamp.class)
              .single()
              .toInstant();
      assertThat(api.putBytes(uploadUrl(id), bytes).json().get("state").asString())
          .isEqualTo("ready");
      Map<String, Object> row =
          jdbc.sql("select created_at, ready_at from artifact where id = ?::uuid")
              .param(id)
              .query()
              .singleRow();
      // a second either side: the instance reads the database's clock over a round trip
      Instant from = databaseNow().minusSeconds(1);
      Instant to = databaseNow().plusSeconds(1);
      from = before.minusSeconds(1);

      assertThat(expires)
          .as("the reservation's end, an hour after its declaration")
          .isBetween(from.plus(Duration.ofHours(1)), to.plus(Duration.ofHours(1)));
      for (String column : new String[] {"created_at", "ready_at"}) {
        assertThat(((Timestamp) row.get(column)).toInstant()).as(column).isBetween(from, to);
      }
    }
  }

  /** The instance's own clock, {@code skew} off the real time. Not scanned: no annotation. */
  static class SkewedWallClock {

    static volatile Duration skew = Duration.ZERO;

    @Bean
    @Primary
    Clock skewedClock() {
      return Clock.offset(Clock.systemUTC(), skew);
    }
  }
}
