package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthPropertiesTest {

  @Test
  void shouldRefuseToStartWithTokensButNoAdminToken() {
    assertThatThrownBy(() -> new AuthProperties(AuthProperties.Mode.TOKENS, null, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT2CACHE_ADMIN_TOKEN")
        .hasMessageContaining("PT2CACHE_AUTH=none");
  }

  @Test
  void shouldRefuseAnAdminTokenShorterThanSixteenCharacters() {
    assertThatThrownBy(
            () -> new AuthProperties(AuthProperties.Mode.TOKENS, "short-secret", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new AuthProperties(AuthProperties.Mode.TOKENS, "x".repeat(15), Duration.ZERO))
        .as("15 characters")
        .hasMessageContaining("at least 16 characters");
    assertThat(
            new AuthProperties(AuthProperties.Mode.TOKENS, "x".repeat(16), Duration.ZERO)
                .adminToken())
        .as("16 characters are enough")
        .hasSize(16);
  }

  @Test
  void shouldStartWithoutAnAdminTokenWhenAuthenticationIsOff() {
    assertThat(new AuthProperties(AuthProperties.Mode.NONE, null, Duration.ZERO).mode())
        .isEqualTo(AuthProperties.Mode.NONE);
  }
}
