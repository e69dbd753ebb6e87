package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.ServiceTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The secret of a new token, answered once by {@code POST /v1/tokens}, reaches no log line, also
 * with the web layer and the service's own packages at TRACE (as an operator sets them through
 * {@code /actuator/loggers} or {@code logging.level.*} to follow a request): Spring MVC writes the
 * body it answers at TRACE ({@code Writing [...]}, the model's {@code toString}, whole), and wrote
 * the secret with it.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretNotLoggedTest extends ServiceTest {

  private static final List<String> TRACED =
      List.of("org.springframework.web", "org.springframework.http", "dev.pt2cache");

  @Autowired private LoggingSystem logging;

  @Test
  void shouldLogNoNewTokensSecretWithTheWebLayerAtTrace(CapturedOutput output) {
    ApiResponse made;
    TRACED.forEach(name -> logging.setLogLevel(name, LogLevel.TRACE));
    try {
      made =
          api.postJson(
              "/v1/tokens",
              "{\"name\": \"ci-%s\", \"namespace\": \"%s\", \"role\": \"read\"}".formatted(ns, ns));
    } finally {
      TRACED.forEach(name -> logging.setLogLevel(name, null));
    }

    assertThat(made.status()).as(made.text()).isEqualTo(201);
    String secret = made.json().get("token").asString();
    assertThat(secret).isNotBlank();
    assertThat(output.getOut() + output.getErr())
        .as("the answer was traced")
        .contains("Writing [")
        .doesNotContain(secret);
  }
}
