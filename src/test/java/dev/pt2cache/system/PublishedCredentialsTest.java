package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An instance started on the secrets that docker-compose.yml and the README publish says so, by the
 * settings' names, in its log: before, it started as on secrets of its own, and an operator who
 * carried the compose file's defaults into production was told nothing. The tests' S3 server takes
 * only its own published secret (the embedded default's), so that one is named in both.
 */
@ExtendWith(OutputCaptureExtension.class)
class PublishedCredentialsTest extends ServiceTest {

  private static final Map<String, String> QUIET = Map.of("PT2CACHE_HOUSEKEEPING_ENABLED", "false");

  @Test
  void shouldNameEachSecretThatHoldsAPublishedValueAtStart(CapturedOutput output) {
    Map<String, String> compose = new HashMap<>(QUIET);
    compose.put("PT2CACHE_ADMIN_TOKEN", "pt2cache-compose-admin-token");
    compose.put("PT2CACHE_DB_PASSWORD", "pt2cache");
    ServiceInstances.start(compose).close();

    assertThat(warning(output))
        .contains(
            "PT2CACHE_ADMIN_TOKEN, PT2CACHE_DB_PASSWORD, PT2CACHE_S3_SECRET_KEY hold values"
                + " published with this service")
        .contains("Set secrets of your own")
        .doesNotContain("pt2cache-compose-admin-token");
  }

  @Test
  void shouldLeaveSecretsOfTheOperatorsOwnUnnamed(CapturedOutput output) {
    Map<String, String> own = new HashMap<>(QUIET);
    own.put("PT2CACHE_ADMIN_TOKEN", "an-operators-own-admin-token-4f9c");
    own.put("PT2CACHE_DB_PASSWORD", "an-operators-own-db-password");
    ServiceInstances.start(own).close();

    assertThat(warning(output))
        .contains("PT2CACHE_S3_SECRET_KEY holds a value published")
        .doesNotContain("PT2CACHE_ADMIN_TOKEN")
        .doesNotContain("PT2CACHE_DB_PASSWORD");
  }

  /** The instance's warning: the last one written (the tests' shared instance wrote its own). */
  private static String warning(CapturedOutput output) {
    return output
        .getAll()
        .lines()
        .filter(line -> line.contains("published with this service"))
        .reduce("", (first, last) -> last);
  }
}
