package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.system.Caller;
import dev.pt2cache.system.ServiceClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A token read from the database just before it was revoked, and put into the instance's cache just
 * after the revocation emptied it, was trusted for the cache's whole lifetime on the very instance
 * that revoked it. Driven through a repository whose read is overtaken by the revocation at a
 * chosen moment; the real one cannot be paused between its select and its return.
 */
class TokenRevocationRaceTest {

  final ApiToken live =
      new ApiToken(
          UUID.randomUUID(),
          "node",
          "team-a",
          Role.READ,
          Instant.now(),
          null,
          null,
          "operator",
          null,
          null,
          null);
  final AtomicReference<ApiToken> row = new AtomicReference<>(live);
  final AtomicReference<Runnable> duringRead = new AtomicReference<>(() -> {});

  final TokenRepository repository =
      new TokenRepository(null) {
        @Override
        Optional<ApiToken> findBySha256(String sha256) {
          ApiToken read = row.get();
          duringRead.get().run();
          return Optional.of(read);
        }

        @Override
        Optional<Revocation> revoke(UUID id, Caller.Token by) {
          ApiToken revoked =
              new ApiToken(
                  live.id(),
                  live.name(),
                  live.namespace(),
                  live.role(),
                  live.createdAt(),
                  null,
                  Instant.now(),
                  live.madeBy(),
                  live.madeById(),
                  by.name(),
                  by.id());
          row.set(revoked);
          return Optional.of(new Revocation(revoked, true));
        }
      };

  final Tokens tokens = readingThrough(new TokenReads(4, 1000));

  /** Tokens of {@link #repository}, read through these reads. */
  private Tokens readingThrough(TokenReads reads) {
    return new Tokens(
        repository,
        reads,
        null,
        new AuthProperties(
            AuthProperties.Mode.TOKENS, "an-operator-secret-of-32-chars!!", Duration.ofMinutes(10)),
        new ServiceClock(Clock.systemUTC()));
  }

  @Test
  void shouldNotKeepATokenReadBeforeItsRevocation() {
    String secret = "pt2c_" + "a".repeat(43);
    duringRead.set(() -> tokens.revoke(live.id(), new Caller.Token("operator", null)));
    assertThat(tokens.grantFor(secret)).as("the call the revocation overtook").isPresent();

    duringRead.set(() -> {});
    assertThat(tokens.grantFor(secret)).as("every call after the revocation").isEmpty();
  }

  /**
   * A call of a token that came just after another call's read of it ended (its read no longer in
   * flight) but before that call put the token in the cache read it again. The read's result is
   * cached before the read is forgotten now: driven through reads whose end is followed, before
   * they return to their caller, by a second call of the same token.
   */
  @Test
  void shouldNotReadATokenAgainThatAReadJustEnded() {
    String secret = "pt2c_" + "b".repeat(43);
    AtomicInteger readsOfTheTable = new AtomicInteger();
    AtomicReference<Runnable> afterRead = new AtomicReference<>(() -> {});
    TokenReads reads =
        new TokenReads(4, 1000) {
          @Override
          Optional<ApiToken> read(
              String sha256, long revocations, Supplier<Optional<ApiToken>> read) {
            Optional<ApiToken> found =
                super.read(
                    sha256,
                    revocations,
                    () -> {
                      readsOfTheTable.incrementAndGet();
                      return read.get();
                    });
            afterRead.getAndSet(() -> {}).run();
            return found;
          }
        };
    Tokens racing = readingThrough(reads);
    afterRead.set(() -> assertThat(racing.grantFor(secret)).as("the second call").isPresent());

    assertThat(racing.grantFor(secret)).as("the first call").isPresent();

    assertThat(readsOfTheTable).as("reads of the token table for the two calls").hasValue(1);
  }
}
