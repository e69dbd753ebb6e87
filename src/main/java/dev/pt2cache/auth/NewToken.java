package dev.pt2cache.auth;

/** A token just made, with its secret: the only time the secret is known to the service. */
public record NewToken(ApiToken token, String secret) {}
