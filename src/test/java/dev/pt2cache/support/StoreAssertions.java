package dev.pt2cache.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Checks on what the test run's S3 server holds. */
public final class StoreAssertions {

  private static final Duration SETTLE = Duration.ofSeconds(10);

  private StoreAssertions() {}

  /**
   * No object under the prefix, once the store has settled. A refused upload leaves nothing under
   * its address at once; S3Proxy's file store also writes a request's body to a temporary object
   * beside the address, and deletes it a moment after the service has abandoned the request.
   */
  public static void assertNoObjectsSettle(Supplier<List<String>> objectsUnderPrefix) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (!objectsUnderPrefix.get().isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertThat(objectsUnderPrefix.get())
        .as("objects left under the prefix after %s", SETTLE)
        .isEmpty();
  }
}
