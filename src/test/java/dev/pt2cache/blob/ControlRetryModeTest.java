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
 * in the AWS profile file, else the SDK's default: since SDK 2.59 the standard mode, 3 attempts
 * (before, the legacy one, 4). An SDK upgrade that moves the default again shows here.
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
  void shouldMakeThreeAttemptsUnlessAModeIsSet() {
    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(3);
  }

  @Test
  void shouldTakeTheRetryModeOfTheSystemProperty() {
    System.setProperty(RETRY_MODE, "legacy");

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(4);
  }

  @Test
  void shouldTakeTheRetryModeOfTheAwsProfileFile(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("config"), "[default]\nretry_mode = legacy\n");
    System.setProperty(CONFIG_FILE, config.toString());

    assertThat(PoolWaitNotRetried.aroundDefault().maxAttempts()).isEqualTo(4);
  }
}
