package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control requests' retries come from where a default AWS client's do, as docs/configuration.md
 * says: the {@code aws.retryMode} system property ({@code AWS_RETRY_MODE}), else {@code retry_mode}
 * in the AWS profile file. The standard mode makes 3 attempts, the legacy one (the SDK's default)
 * 4.
 */
class ControlRetryModeTest {

  private static final String RETRY_MODE = "aws.retryMode";
  private static final String CONFIG_FILE = "aws.configFile";

  @AfterEach
  void clear() {
    System.clearProperty(RETRY_MODE);
    System.clearProperty(CONFIG_FILE);
  }

  @Test
  void shouldTakeTheRetryModeOfTheSystemProperty() {
    System.setProperty(RETRY_MODE, "standard");

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(3);
  }

  @Test
  void shouldTakeTheRetryModeOfTheAwsProfileFile(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("config"), "[default]\nretry_mode = standard\n");
    System.setProperty(CONFIG_FILE, config.toString());

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(3);
  }
}
