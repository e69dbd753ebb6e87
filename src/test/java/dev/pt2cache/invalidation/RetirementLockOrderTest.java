package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.RowLockOrder;
import java.sql.Connection;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An invalidation locks the artifacts it retires in id order, as a hit flush, an eviction and a
 * purge do (ADR 0006), so it waits for another writer of the same rows instead of deadlocking with
 * it. The test plays that other writer from its own connection, holding rows in id order.
 */
class RetirementLockOrderTest extends ServiceTest {

  @Autowired DataSource dataSource;

  private record Pair(String model, UUID low, UUID high) {}

  /**
   * The artifacts are made so that the update alone would find the higher id first (uploaded and
   * versioned first, so first in the model's index and, on a fresh page, in the heap). The writer
   * holds the lower id; the invalidation waits for it, holding nothing else, so the writer's next
   * row, the higher id, is free. Locking in the update's order, the invalidation held it: the
   * writer then waited for the invalidation, which waited for the writer.
   */
  @ParameterizedTest(name = "block: {0}")
  @ValueSource(booleans = {false, true}) // all in one statement; in batches under a rule in force
  void shouldWaitForTheLowestHeldRowBeforeLockingHigherOnes(boolean block) throws Exception {
    Pair pair = artifactsUploadedInReverseIdOrder();

    try (Connection held = dataSource.getConnection()) {
      held.setAutoCommit(false);
      execute(
          held,
          "select id from artifact where id = ?::uuid for no key update",
          pair.low().toString());
      CompletableFuture<ApiResponse> invalidation =
          CompletableFuture.supplyAsync(
              () ->
                  api.postJson(
                      path("/invalidations"),
                      """
                      {"selector": {"modelName": "%s"}, "reason": "lock order", "block": %s}
                      """
                          .formatted(pair.model(), block)));
      awaitWaiters(1);
      assertThatCode(
              () ->
                  execute(
                      held,
                      "select id from artifact where id = ?::uuid for no key update nowait",
                      pair.high().toString()))
          .as("the higher id, not taken by the invalidation waiting for the lower")
          .doesNotThrowAnyException();
      held.rollback();

      ApiResponse answer = invalidation.get(20, TimeUnit.SECONDS);
      assertThat(answer.status()).as(answer.text()).isEqualTo(201);
      assertThat(answer.json().get("invalidated").asLong()).isEqualTo(2);
    }
  }

  /** Two ready artifacts of a fresh model, the first uploaded holding the higher id. */
  private Pair artifactsUploadedInReverseIdOrder() {
    for (int attempt = 0; attempt < 64; attempt++) {
      String model = Descriptors.uniqueModel();
      UUID first = upload(model, "1");
      UUID second = upload(model, "2");
      if (RowLockOrder.BY_ID.compare(first, second) > 0) {
        return new Pair(model, second, first);
      }
    }
    throw new AssertionError("no two uploads came in reverse id order in 64 attempts");
  }

  private UUID upload(String model, String version) {
    String descriptor = Descriptors.of(model, version, "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
    byte[] bytes = Fixtures.randomBytes(64);
    return UUID.fromString(uploadMegaCache(descriptor, bytes).json().get("id").asString());
  }
}
