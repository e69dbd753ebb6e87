package dev.pt2cache.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.TestInfra;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code PT2CACHE_RATE_LIMIT=2}, {@code PT2CACHE_RATE_LIMIT_BURST=3}: per token, per instance. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pt2cache.rate-limit.requests-per-second=2",
      "pt2cache.rate-limit.burst=3",
      "pt2cache.housekeeping.enabled=false"
    })
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class RateLimitTest {

  static final int BURST = 3;
  static final int PER_SECOND = 2;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }

  @Test
  void shouldRefuseACallerOverItsRateAndNoOtherCaller() throws Exception {
    // the operator's token is limited too: its three calls here are its whole burst
    ApiClient operator = new ApiClient(port);
    String ns = "rl-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(operator.putJson("/v1/namespaces/" + ns, "{}").status()).isEqualTo(201);
    ApiClient fleet = operator.withToken(token(operator, ns, "fleet"));
    ApiClient other = operator.withToken(token(operator, ns, "other"));
    String path = "/v1/namespaces/" + ns;

    long started = System.nanoTime();
    List<ApiResponse> answers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      answers.add(fleet.get(path));
    }
    double elapsed = (System.nanoTime() - started) / 1e9;

    long admitted = answers.stream().filter(a -> a.status() == 200).count();
    assertThat(admitted)
        .as("the burst, and what refilled while the calls went out")
        .isBetween((long) BURST, BURST + (long) Math.ceil(PER_SECOND * elapsed));
    ApiResponse refused = answers.stream().filter(a -> a.status() == 429).findFirst().orElseThrow();
    assertThat(answers).allMatch(a -> a.status() == 200 || a.status() == 429);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().get("type").asString())
        .isEqualTo("urn:pt2cache:problem:rate-limited");
    assertThat(refused.json().get("detail").asString()).contains("fleet-" + ns);
    long retryAfter = Long.parseLong(refused.header("Retry-After"));
    assertThat(retryAfter).isBetween(1L, 2L);

    assertThat(other.get(path).status()).as("another token has its own bucket").isEqualTo(200);
    // a caller not refused yet has its series at 0, so increase() sees its first refusal
    assertThat(operator.get("/actuator/prometheus").text())
        .containsPattern("pt2cache_rate_limited_total\\{[^}]*token=\"other-" + ns + "\"} 0.0");

    Thread.sleep(retryAfter * 1000);
    assertThat(fleet.get(path).status()).as("after Retry-After").isEqualTo(200);
    assertThat(operator.get("/actuator/prometheus").text())
        .containsPattern("pt2cache_rate_limited_total\\{[^}]*token=\"fleet-" + ns + "\"");
  }

  private static String token(ApiClient operator, String ns, String name) {
    ApiResponse made =
        operator.postJson(
            "/v1/tokens",
            "{\"name\":\"%s-%s\",\"role\":\"read\",\"namespace\":\"%s\"}".formatted(name, ns, ns));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made.json().get("token").asString();
  }
}
