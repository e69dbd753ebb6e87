package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** An invalidation that lands while an upload commits is never undone by that commit. */
class CommitRaceTest extends ServiceTest {

  @Autowired DataSource dataSource;

  @Test
  void shouldKeepAnInvalidationThatRacesTheCommit() throws Exception {
    String model = Descriptors.uniqueModel();
    String descriptor = Descriptors.of(model);
    byte[] bytes = Fixtures.randomBytes(1000);
    String sha256 = Fixtures.sha256(bytes);
    JsonNode pending = declareMegaCache(descriptor, bytes).json();

    CompletableFuture<ApiResponse> upload;
    CompletableFuture<ApiResponse> invalidation;
    try (Connection held = dataSource.getConnection()) {
      // hold the blob's row, so that the upload's commit stops there, its artifact row locked
      held.setAutoCommit(false);
      try (PreparedStatement lock =
          held.prepareStatement("insert into blob (sha256, size_bytes) values (?, ?)")) {
        lock.setString(1, sha256);
        lock.setLong(2, bytes.length);
        lock.executeUpdate();
      }
      upload =
          CompletableFuture.supplyAsync(
              () -> api.putBytes(pending.get("uploadUrl").asString(), bytes));
      awaitWaiters(1);
      invalidation =
          CompletableFuture.supplyAsync(
              () ->
                  api.postJson(
                      path("/invalidations"),
                      "{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"race\"}"));
      awaitWaiters(2);
      held.rollback();
    }

    assertThat(upload.get().status()).isEqualTo(200);
    assertThat(invalidation.get().json().get("invalidated").asLong()).isEqualTo(1);
    String id = pending.get("id").asString();
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
    ApiResponse lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    assertThat(lookup.json().get("hit").asBoolean()).isFalse();
  }
}
