package dev.pt2cache.bench;

import dev.pt2cache.support.EmbeddedInfra;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * The bearer token the benchmark calls the service with: {@code BENCH_TOKEN} for a running
 * deployment, or the embedded default's admin token. Requests straight to S3 (the floors) carry
 * none.
 */
final class ServiceAuth {

  static final String TOKEN =
      System.getenv().getOrDefault("BENCH_TOKEN", EmbeddedInfra.ADMIN_TOKEN);

  private ServiceAuth() {}

  /** A request to the service at {@code url}, with the token. */
  static HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN);
  }
}
