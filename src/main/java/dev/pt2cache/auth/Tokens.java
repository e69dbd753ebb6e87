package dev.pt2cache.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.PageCursor;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.Sha256;
import dev.pt2cache.system.Times;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Makes, lists and revokes tokens, and tells what a presented token allows. Secrets are 256 random
 * bits, so their SHA-256 is all that needs keeping. What an instance read of a token it trusts for
 * {@code cache-ttl}, so a lookup costs no database read for its token.
 */
@Service
public class Tokens {

  private static final Logger log = LoggerFactory.getLogger(Tokens.class);
  private static final String PREFIX = "pt2c_";
  private static final int SECRET_BYTES = 32;

  /** The operator's token, by a name no made token can have (names allow no colon). */
  private static final String ADMIN_NAME = "env:PT2CACHE_ADMIN_TOKEN";

  /** What a made token looks like; anything else is refused without asking the database. */
  private static final Pattern MADE_TOKEN = Pattern.compile(PREFIX + "[A-Za-z0-9_-]{43}");

  /** Tokens found; misses are kept apart so a flood of made-up tokens cannot push them out. */
  private static final int KNOWN = 10_000;

  private static final int UNKNOWN = 1_000;

  private final TokenRepository repository;
  private final TokenReads reads;
  private final NamespaceService namespaces;
  private final ServiceClock clock;
  private final byte[] adminSha256;
  private final AuthProperties.Mode mode;
  private final Cache<String, ApiToken> known;
  private final Cache<String, Boolean> unknown;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong revocations = new AtomicLong();

  Tokens(
      TokenRepository repository,
      TokenReads reads,
      NamespaceService namespaces,
      AuthProperties properties,
      ServiceClock clock) {
    this.repository = repository;
    this.reads = reads;
    this.clock = clock;
    this.namespaces = namespaces;
    this.adminSha256 =
        properties.adminToken() == null
            ? null
            : ascii(Sha256.hexOf(properties.adminToken().strip()));
    this.mode = properties.mode();
    this.known =
        Caffeine.newBuilder().maximumSize(KNOWN).expireAfterWrite(properties.cacheTtl()).build();
    this.unknown =
        Caffeine.newBuilder().maximumSize(UNKNOWN).expireAfterWrite(properties.cacheTtl()).build();
  }

  /** What the token allows, or empty when it is unknown, revoked or expired. */
  Optional<Grant> grantFor(String presented) {
    String sha256 = Sha256.hexOf(presented);
    if (adminSha256 != null && MessageDigest.isEqual(adminSha256, ascii(sha256))) {
      return Optional.of(new Grant(null, ADMIN_NAME, null, Role.ADMIN, null));
    }
    if (!MADE_TOKEN.matcher(presented).matches()) {
      return Optional.empty();
    }
    return stored(sha256).filter(token -> token.usableAt(clock.now())).map(ApiToken::grant);
  }

  private Optional<ApiToken> stored(String sha256) {
    ApiToken token = known.getIfPresent(sha256);
    if (token != null || unknown.getIfPresent(sha256) != null) {
      return Optional.ofNullable(token);
    }
    long before = revocations.get();
    // remembered inside the read, before TokenReads forgets it: a call of the same token that came
    // between the two found neither the read nor the token, and read it again
    return reads.read(sha256, before, () -> remembered(sha256, before));
  }

  /** The token read from the table, and cached (as unknown, where it is not there). */
  private Optional<ApiToken> remembered(String sha256, long before) {
    Optional<ApiToken> found = repository.findBySha256(sha256);
    found.ifPresentOrElse(t -> known.put(sha256, t), () -> unknown.put(sha256, Boolean.TRUE));
    if (revocations.get() != before) {
      // a revocation overtook the read: what it read may be the token before it was revoked, and
      // the revocation's own forgetting may have come before the put above
      known.invalidate(sha256);
    }
    return found;
  }

  public NewToken create(String name, String namespace, Role role, Instant expiresAt) {
    requireAuthentication();
    if (Caller.ANONYMOUS.equals(name)) {
      throw new InvalidTokenRequestException(
          "the name " + Caller.ANONYMOUS + " is kept for callers without a token");
    }
    if (namespace != null) {
      namespaces.require(namespace);
    }
    Instant now = clock.now();
    if (expiresAt != null) {
      Times.requireExpiry(expiresAt, now);
    }
    Grant maker = Grant.current();
    requireNoLongerLivedThanItsMaker(maker, expiresAt);
    requireMakerStillLive(maker, now);
    String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
    ApiToken token =
        new ApiToken(
            UUID.randomUUID(),
            name,
            namespace,
            role,
            now,
            expiresAt,
            null,
            maker.tokenName(),
            maker.tokenId(),
            null,
            null);
    if (!repository.insert(token, Sha256.hexOf(secret))) {
      throw new TokenNameTakenException(name);
    }
    log.info("token {} made: {}", name, token.grant().describe());
    return new NewToken(token, secret);
  }

  /**
   * A token makes no token that outlives it: one lent for an hour could otherwise make one that
   * never expires, and survives its own revocation. Judged by the calling token as it was checked,
   * not by its name, which a new token may carry once it is revoked. The operator's has no end.
   */
  private static void requireNoLongerLivedThanItsMaker(Grant maker, Instant expiresAt) {
    Instant makerEnds = maker.expiresAt();
    if (makerEnds != null && (expiresAt == null || expiresAt.isAfter(makerEnds))) {
      throw new AccessDeniedException(
          "token %s expires at %s, so the tokens it makes must expire by then: give an expiresAt no later"
              .formatted(maker.tokenName(), makerEnds));
    }
  }

  /**
   * This instance trusts a token it read for {@code cache-ttl}, which is fine for a lookup but not
   * for making a credential: a token revoked on another instance meanwhile would leave behind one
   * that survives it. So the maker's own row is read again; the operator's is not in the table.
   */
  private void requireMakerStillLive(Grant maker, Instant now) {
    if (maker.tokenId() == null) {
      return;
    }
    boolean live = repository.findById(maker.tokenId()).filter(t -> t.usableAt(now)).isPresent();
    if (!live) {
      throw new AccessDeniedException(
          "token %s was revoked or has expired, so it makes no tokens"
              .formatted(maker.tokenName()));
    }
  }

  /** One page of tokens, and the cursor of the next (null on the last). */
  public record TokenPage(List<ApiToken> items, String nextCursor) {}

  /**
   * Tokens newest first, {@code limit} at a time: a company's fleets and CI pipelines make tens of
   * thousands, and revoked ones stay listed for {@code PT2CACHE_TOKEN_HISTORY}.
   */
  public TokenPage list(int limit, String cursor) {
    requireAuthentication();
    PageCursor<UUID> after = cursor == null ? null : PageCursor.decode(cursor, UUID::fromString);
    List<ApiToken> rows = repository.page(after, limit + 1);
    return new TokenPage(
        PageCursor.page(rows, limit),
        PageCursor.after(rows, limit, last -> new PageCursor<>(last.createdAt(), last.id())));
  }

  /** Revokes the token, recording {@code by}, the caller's token, as who did (docs/adr/0049). */
  public ApiToken revoke(UUID id, Caller.Token by) {
    requireAuthentication();
    TokenRepository.Revocation revocation =
        repository.revoke(id, by).orElseThrow(() -> new TokenNotFoundException(id));
    ApiToken revoked = revocation.token();
    // revocations are rare: forgetting every token costs one read each, not a query to find this
    // one. Counted first, so that a read in flight since before the revocation is not kept
    revocations.incrementAndGet();
    known.invalidateAll();
    if (revocation.now()) {
      // once, when it happens: a second DELETE changes nothing (it answers the first's record)
      log.info("token {} revoked by {}", revoked.name(), revoked.revokedBy());
    }
    return revoked;
  }

  /**
   * With authentication off anyone could make a token that would become a real credential the
   * moment it is turned on: tokens are made only while they are checked.
   */
  private void requireAuthentication() {
    if (mode == AuthProperties.Mode.NONE) {
      throw new AccessDeniedException(
          "authentication is off (PT2CACHE_AUTH=none), so tokens cannot be made, listed or"
              + " revoked; turn it on with PT2CACHE_ADMIN_TOKEN and call as the operator");
    }
  }

  private byte[] randomBytes() {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] ascii(String hex) {
    return hex.getBytes(StandardCharsets.US_ASCII);
  }
}
