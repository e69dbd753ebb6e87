package dev.pt2cache.auth;

import dev.pt2cache.system.PoolShare;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How many presented tokens this instance reads from the database at once: a quarter of the pool,
 * at least one. A token the instance has not cached costs a read, and anyone who reaches the port
 * can present a new made-up one with every request: unbounded, 48 connections sending random {@code
 * pt2c_} tokens held up to 19 of the 20 pooled connections with more waiting, and where the reads
 * were slow (the table locked) they held the whole pool, so the fleet's lookups, whose tokens were
 * cached, answered {@code 503 database-unavailable}. Bounded, such reads hold at most a quarter of
 * the pool; one beyond waits for its turn as long as a request waits for a connection, then is
 * refused ({@link TokenChecksBusyException}) without reading anything.
 *
 * <p>Calls that present a token already being read wait for that read and take no turn of their
 * own: a fleet's first calls after a start present the few tokens it shares, none cached yet, and
 * each read its token again, so with the reads slow all but a quarter of the pool were refused
 * though their tokens were good. A call joins only a read begun since the last revocation on this
 * instance ({@code revocations}), so what it is answered is never older than what it would have
 * read itself.
 */
@Component
class TokenReads implements MeterBinder {

  private final PoolShare share;

  /** Calls waiting for another call's read of their token: no turn of their own, yet waiting. */
  private final AtomicInteger joined = new AtomicInteger();

  private final ConcurrentMap<InFlight, CompletableFuture<Optional<ApiToken>>> reading =
      new ConcurrentHashMap<>();

  /** A read of one token, begun after the instance's {@code revocations}-th revocation. */
  private record InFlight(String sha256, long revocations) {}

  TokenReads(
      @Value("${spring.datasource.hikari.maximum-pool-size:10}") int poolSize,
      @Value("${spring.datasource.hikari.connection-timeout:30000}") long waitMillis) {
    this.share = new PoolShare(poolSize, waitMillis);
  }

  /**
   * Runs {@code read} of the token in a turn, or refuses it once none came free within the wait;
   * or, where that token is being read since the same revocation, answers what that read finds.
   */
  Optional<ApiToken> read(String sha256, long revocations, Supplier<Optional<ApiToken>> read) {
    InFlight key = new InFlight(sha256, revocations);
    CompletableFuture<Optional<ApiToken>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<ApiToken>> current = reading.putIfAbsent(key, mine);
    if (current != null) {
      joined.incrementAndGet();
      try {
        return joined(current);
      } finally {
        joined.decrementAndGet();
      }
    }
    try {
      Optional<ApiToken> found = share.run(read, () -> new TokenChecksBusyException(share.size()));
      mine.complete(found);
      return found;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e); // its waiters fail as it did: a refusal, an outage
      throw e;
    } finally {
      reading.remove(key, mine);
    }
  }

  /** Calls waiting for a turn, and calls waiting for another call's read of their token. */
  int waiting() {
    return share.waiting() + joined.get();
  }

  private static Optional<ApiToken> joined(CompletableFuture<Optional<ApiToken>> read) {
    try {
      return read.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw e;
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // the calls that joined another's read count too: while the reads are slow (the token table
    // locked), a fleet's calls of its few shared tokens all wait there, and a gauge of turns alone
    // read 0 while a request thread each was held
    Gauge.builder("pt2cache.token.reads.waiting", this, reads -> reads.waiting())
        .description(
            "Requests waiting on a read of their token from the database (it was not cached):"
                + " for a turn beyond the quarter of PT2CACHE_DB_POOL_SIZE that may read at once,"
                + " or for another request's read of the same token")
        .register(registry);
  }
}
