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
  }

  @Test
  void shouldStartWithoutAnAdminTokenWhenAuthenticationIsOff() {
    assertThat(new AuthProperties(AuthProperties.Mode.NONE, null, Duration.ZERO).mode())
        .isEqualTo(AuthProperties.Mode.NONE);
  }
}
