package dev.pt2cache.auth;

import static dev.pt2cache.auth.Role.ADMIN;
import static dev.pt2cache.auth.Role.READ;
import static dev.pt2cache.auth.Role.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A token's scope: its role and the roles before it, in its one namespace or in all. A wrong answer
 * lets a read token upload, or a namespace's token reach another namespace's artifacts.
 */
class GrantTest {

  static Grant grant(Role role, String namespace) {
    return new Grant(UUID.randomUUID(), "t", namespace, role, null);
  }

  @Nested
  class Scope {

    @Test
    void shouldAllowItsOwnRoleAndTheOnesBeforeItButNoneAfter() {
      assertThat(grant(WRITE, null).allows(Access.in(READ), "ns")).isTrue();
      assertThat(grant(WRITE, null).allows(Access.in(WRITE), "ns")).isTrue();
      assertThat(grant(WRITE, null).allows(Access.in(ADMIN), "ns")).isFalse();
      assertThat(grant(READ, null).allows(Access.in(WRITE), "ns")).isFalse();
      assertThat(grant(ADMIN, null).allows(Access.in(ADMIN), "ns")).isTrue();
      assertThat(READ.includes(READ)).isTrue();
      assertThat(ADMIN.includes(READ)).isTrue();
      assertThat(READ.includes(ADMIN)).isFalse();
    }

    @Test
    void shouldKeepANamespacesTokenToThatNamespace() {
      assertThat(grant(ADMIN, "team-a").allows(Access.in(READ), "team-a")).isTrue();
      assertThat(grant(ADMIN, "team-a").allows(Access.in(READ), "team-b")).isFalse();
      assertThat(grant(ADMIN, "team-a").allows(Access.in(READ), null)).isFalse();
    }

    @Test
    void shouldLeaveWhatConcernsEveryNamespaceToTokensOfEveryNamespace() {
      assertThat(grant(ADMIN, null).allows(Access.everywhere(ADMIN), null)).isTrue();
      assertThat(grant(ADMIN, "team-a").allows(Access.everywhere(READ), "team-a")).isFalse();
      assertThat(grant(READ, null).allows(Access.everywhere(ADMIN), null)).isFalse();
    }

    @Test
    void shouldSayWhatItAllowsAndWhatWasNeeded() {
      assertThat(grant(WRITE, "team-a").describe()).isEqualTo("write in namespace team-a");
      assertThat(grant(READ, null).describe()).isEqualTo("read in every namespace");
      assertThat(Access.in(ADMIN).describe("team-b")).isEqualTo("admin in namespace team-b");
      assertThat(Access.everywhere(ADMIN).describe("team-b")).isEqualTo("admin in every namespace");
      assertThat(Role.of("Write")).isEqualTo(WRITE);
    }
  }

  @Nested
  class Lifetime {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    static ApiToken token(Instant expiresAt, Instant revokedAt) {
      return new ApiToken(
          UUID.randomUUID(),
          "t",
          "ns",
          WRITE,
          NOW.minusSeconds(60),
          expiresAt,
          revokedAt,
          null,
          null,
          null,
          null);
    }

    @Test
    void shouldBeUsableUntilItsExpiryAndNotAtIt() {
      assertThat(token(null, null).usableAt(NOW)).isTrue();
      assertThat(token(NOW.plusNanos(1000), null).usableAt(NOW)).isTrue();
      assertThat(token(NOW, null).usableAt(NOW)).isFalse();
      assertThat(token(NOW.minusSeconds(1), null).usableAt(NOW)).isFalse();
    }

    @Test
    void shouldNeverBeUsableOnceRevoked() {
      assertThat(token(null, NOW.minusSeconds(1)).usableAt(NOW)).isFalse();
      assertThat(token(NOW.plusSeconds(3600), NOW.minusSeconds(1)).usableAt(NOW)).isFalse();
    }

    @Test
    void shouldGrantWhatItWasMadeFor() {
      ApiToken token = token(NOW.plusSeconds(3600), null);
      assertThat(token.grant())
          .isEqualTo(new Grant(token.id(), "t", "ns", WRITE, NOW.plusSeconds(3600)));
    }
  }
}
