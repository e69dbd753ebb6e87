package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.DockerWhenContainers;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.TestInfra;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code PT2CACHE_AUTH=none}: nobody is asked for a token, and every operation still works. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"pt2cache.auth.mode=none", "pt2cache.housekeeping.enabled=false"})
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class AuthOffTest {

  @LocalServerPort int port;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    TestInfra.serviceEnvironment().forEach((name, value) -> registry.add(name, () -> value));
  }

  @Test
  void shouldServeEveryCallerWithoutATokenAsTheOperatorAndRecordReportsAsAnonymous() {
    ApiClient anyone = new ApiClient(port).withToken(null);
    String ns = "/v1/namespaces/off-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(anyone.putJson(ns, "{}").status()).isEqualTo(201);
    assertThat(anyone.putJson(ns, "{\"quotaBytes\":1000000}").status()).isEqualTo(200);
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    byte[] bytes = Fixtures.randomBytes(100);
    ApiResponse declared =
        anyone.postJson(
            ns + "/artifacts",
            Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length));
    ApiResponse sent = anyone.putBytes(declared.json().get("uploadUrl").asString(), bytes);
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    // who uploaded it, as ADR 0049 names a caller without a token
    assertThat(sent.json().get("uploadedBy").asString()).isEqualTo("anonymous");
    assertThat(sent.json().has("uploadedById")).isFalse();

    ApiResponse reported =
        anyone.postJson(
            ns + "/artifacts/" + sent.json().get("id").asString() + "/reports",
            "{\"problem\":\"load-failed\",\"node\":\"n1\"}");

    assertThat(reported.status()).as(reported.text()).isEqualTo(201);
    assertThat(reported.json().get("items").get(0).get("reporter").asString())
        .isEqualTo("anonymous/n1");
  }
}
