package dev.pt2cache.auth;

/**
 * A presented token that this instance had not cached found every turn to read tokens taken for as
 * long as a request waits for a connection ({@link TokenReads}): most often a flood of made-up
 * tokens. Nothing was read; whether the token is valid is not known. Retry shortly.
 */
public class TokenChecksBusyException extends RuntimeException {

  TokenChecksBusyException(int reads) {
    super(
        ("this instance is already reading %d presented tokens from its database, as many as it"
                + " reads at once (a quarter of PT2CACHE_DB_POOL_SIZE), and yours was not among those"
                + " it had read lately: retry shortly")
            .formatted(reads));
  }
}
