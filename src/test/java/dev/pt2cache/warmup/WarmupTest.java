package dev.pt2cache.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.ImageHealthCheck;
import dev.pt2cache.support.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * An instance sends itself the calls a fleet sends first before it says ready, and nobody can tell
 * afterwards: not the access log, the HTTP metrics, the problem counts, a rate limit (the operator
 * here may make 2 calls at once), the namespaces or the artifacts. Not timed: what is shown is that
 * the requests reached the API before readiness said up, and what they left behind.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pt2cache.rate-limit.requests-per-second=1",
      "pt2cache.rate-limit.burst=2",
      "pt2cache.housekeeping.enabled=false"
    })
@Import(WarmupTest.ApiRequestsWatch.class)
@ExtendWith({DockerWhenContainers.class, OutputCaptureExtension.class})
@Tag("integration")
class WarmupTest {

  @LocalServerPort int port;
  @Autowired ApiRequestsWatch watch;
  @Autowired MeterRegistry meters;
  @Autowired JdbcClient jdbc;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }

  @Test
  void shouldSendTheFirstCallsBeforeReadinessAndLeaveNoTrace(CapturedOutput output) {
    assertThat(watch.beforeReady)
        .as("API requests answered before readiness said up")
        .contains(
            "GET /namespaces/* 404",
            "POST /lookups 404",
            "GET /entries 404",
            "HEAD /entries 404",
            "PUT /entries 404",
            "POST /artifacts 404",
            "GET /content 404",
            "POST /reports 404");
    assertThat(watch.beforeReady).allMatch(call -> call.endsWith(" 404"));

    assertThat(output).doesNotContain("/v1/namespaces/warm-up-");
    assertThat(output).contains("warm-up: 15 requests in");
    List<Timer> observed = meters.find("http.server.requests").timers().stream().toList();
    assertThat(observed).allMatch(t -> !t.getId().getTag("uri").startsWith("/v1/"));
    // every problem type's series is there from the start (ADR 0027), each still at 0
    assertThat(meters.find("pt2cache.problems").counters()).allMatch(c -> c.count() == 0);
    assertThat(
            jdbc.sql("select count(*) from namespace where name like 'warm-up-%'")
                .query(Long.class)
                .single())
        .isZero();

    ApiClient operator = new ApiClient(port);
    String ns = "wu-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(operator.putJson("/v1/namespaces/" + ns, "{}").status())
        .as("the operator's first call, within its burst of 2")
        .isEqualTo(201);
    assertThat(operator.get("/v1/namespaces/" + ns).status()).isEqualTo(200);
  }

  /** A warm-up cut off by its timeout leaves the instance ready all the same. */
  @Nested
  @TestPropertySource(properties = "pt2cache.warmup.timeout=1ms")
  class CutOff {

    @LocalServerPort int port;

    @Test
    void shouldSayReadyAfterAWarmupThatRanOutOfTime(CapturedOutput output) {
      assertThat(output).contains("warm-up stopped after 0 requests");
      ApiClient probe = new ApiClient(port);
      assertThat(probe.get("/actuator/health/readiness").status()).isEqualTo(200);
    }
  }

  /**
   * An instance bound to one interface's address ({@code SERVER_ADDRESS}) does not listen on
   * loopback: it warms up on the address it listens on, and the image's health check finds it.
   */
  @Nested
  class BoundToOneInterface {

    @LocalServerPort int port;
    @Autowired ApiRequestsWatch boundWatch;

    @DynamicPropertySource
    static void address(DynamicPropertyRegistry registry) {
      registry.add("server.address", () -> interfaceAddress().getHostAddress());
    }

    @Test
    void shouldWarmUpOnTheBoundAddress() {
      assertThat(boundWatch.beforeReady).hasSize(15).allMatch(call -> call.endsWith(" 404"));
    }

    @Test
    void shouldPassTheImagesHealthCheck() throws Exception {
      String address = interfaceAddress().getHostAddress();
      assertThat(
              ImageHealthCheck.run(
                  Map.of("SERVER_ADDRESS", address, "PT2CACHE_PORT", Integer.toString(port))))
          .as("the HEALTHCHECK's exit status with SERVER_ADDRESS=" + address)
          .isZero();
    }
  }

  /** Bound to IPv6 loopback ({@code SERVER_ADDRESS=::1}), which 127.0.0.1 does not reach. */
  @Nested
  @TestPropertySource(properties = "server.address=::1")
  class BoundToIpv6Loopback {

    @LocalServerPort int port;
    @Autowired ApiRequestsWatch boundWatch;

    @Test
    void shouldWarmUpOnTheBoundAddress() {
      assertThat(boundWatch.beforeReady).hasSize(15).allMatch(call -> call.endsWith(" 404"));
    }

    @Test
    void shouldPassTheImagesHealthCheck() throws Exception {
      assertThat(
              ImageHealthCheck.run(
                  Map.of("SERVER_ADDRESS", "::1", "PT2CACHE_PORT", Integer.toString(port))))
          .isZero();
    }
  }

  /** This host's first IPv4 address other than loopback: the tests need one. */
  static InetAddress interfaceAddress() {
    try {
      return NetworkInterface.networkInterfaces()
          .filter(ni -> isUp(ni) && !isLoopback(ni))
          .flatMap(NetworkInterface::inetAddresses)
          .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("this host has no IPv4 interface address"));
    } catch (SocketException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isUp(NetworkInterface ni) {
    try {
      return ni.isUp();
    } catch (SocketException e) {
      return false;
    }
  }

  private static boolean isLoopback(NetworkInterface ni) {
    try {
      return ni.isLoopback();
    } catch (SocketException e) {
      return true;
    }
  }

  /** The API requests each context answered before it said ready: method, path kind, status. */
  @TestConfiguration
  static class ApiRequestsWatch {

    final List<String> beforeReady = new CopyOnWriteArrayList<>();
    private volatile boolean ready;

    @Bean
    Filter apiRequests() {
      return (request, response, chain) -> {
        chain.doFilter(request, response);
        String path = ((HttpServletRequest) request).getRequestURI();
        if (!ready && path.startsWith("/v1/")) {
          beforeReady.add(
              ((HttpServletRequest) request).getMethod()
                  + " "
                  + kind(path)
                  + " "
                  + ((HttpServletResponse) response).getStatus());
        }
      };
    }

    @Bean
    ApplicationListener<AvailabilityChangeEvent<ReadinessState>> readiness() {
      return event -> ready = event.getState() == ReadinessState.ACCEPTING_TRAFFIC;
    }

    private static String kind(String path) {
      String[] parts = path.split("/");
      return parts.length == 4 ? "/namespaces/*" : "/" + parts[parts.length - 1 - offset(parts)];
    }

    // entries end in /{kind}/{key}, content and reports in their own name
    private static int offset(String[] parts) {
      return parts.length > 5 && parts[4].equals("entries") ? parts.length - 5 : 0;
    }
  }
}
