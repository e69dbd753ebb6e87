package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.system.Caller;
import dev.pt2cache.system.ServiceClock;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Without a database: these answers must not need one. */
class TokensTest {

  static final String ADMIN = "0123456789abcdef-operator";

  @Test
  void shouldMakeListOrRevokeNoTokenWhileAuthenticationIsOff() {
    Tokens tokens =
        new Tokens(
            null,
            null,
            null,
            new AuthProperties(AuthProperties.Mode.NONE, null, Duration.ZERO),
            new ServiceClock(Clock.systemUTC()));

    assertThatThrownBy(() -> tokens.create("fleet", null, Role.ADMIN, null))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("PT2CACHE_AUTH=none");
    assertThatThrownBy(() -> tokens.list(1000, null)).isInstanceOf(AccessDeniedException.class);
    assertThatThrownBy(() -> tokens.revoke(UUID.randomUUID(), new Caller.Token("operator", null)))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void shouldKeepTheNameOfCallersWithoutATokenFromTokens() {
    Tokens tokens =
        new Tokens(
            null,
            null,
            null,
            new AuthProperties(AuthProperties.Mode.TOKENS, ADMIN, Duration.ZERO),
            new ServiceClock(Clock.systemUTC()));

    assertThatThrownBy(() -> tokens.create(Caller.ANONYMOUS, null, Role.WRITE, null))
        .isInstanceOf(InvalidTokenRequestException.class)
        .hasMessageContaining("kept for callers without a token");
  }

  @Test
  void shouldKnowTheOperatorAndRefuseATokenOfAnotherShapeWithoutAskingTheDatabase() {
    // no repository: asking it would fail
    Tokens tokens =
        new Tokens(
            null,
            null,
            null,
            new AuthProperties(AuthProperties.Mode.TOKENS, ADMIN, Duration.ZERO),
            new ServiceClock(Clock.systemUTC()));

    assertThat(tokens.grantFor("made-up")).isEmpty();
    assertThat(tokens.grantFor("pt2c_short")).isEmpty();
    assertThat(tokens.grantFor(ADMIN))
        .hasValueSatisfying(
            grant -> {
              assertThat(grant.role()).isEqualTo(Role.ADMIN);
              assertThat(grant.namespace()).isNull();
              assertThat(grant.tokenName()).isEqualTo("env:PT2CACHE_ADMIN_TOKEN");
            });
  }
}
