package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceInstances;
import dev.pt2cache.support.ServiceTest;
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

  @Test
  void shouldNameEachSecretThatHoldsAPublishedValueAtStart(CapturedOutput output) {
    startOn("pt2cache-compose-admin-token", "pt2cache");

    assertThat(warning(output))
        .contains(
            "PT2CACHE_ADMIN_TOKEN, PT2CACHE_DB_PASSWORD, PT2CACHE_S3_SECRET_KEY hold values"
                + " published with this service")
        .contains("Set secrets of your own")
        .doesNotContain("pt2cache-compose-admin-token");
  }

  @Test
  void shouldLeaveSecretsOfTheOperatorsOwnUnnamed(CapturedOutput output) {
    startOn("an-operators-own-admin-token-4f9c", "an-operators-own-db-password");

    assertThat(warning(output))
        .contains("PT2CACHE_S3_SECRET_KEY holds a value published")
        .doesNotContain("PT2CACHE_ADMIN_TOKEN")
        .doesNotContain("PT2CACHE_DB_PASSWORD");
  }

  /** Starts and stops an instance on this admin token and database password. */
  private static void startOn(String adminToken, String dbPassword) {
    ServiceInstances.start(
            Map.of(
                "PT2CACHE_ADMIN_TOKEN", adminToken,
                "PT2CACHE_DB_PASSWORD", dbPassword,
                "PT2CACHE_HOUSEKEEPING_ENABLED", "false"))
        .close();
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
