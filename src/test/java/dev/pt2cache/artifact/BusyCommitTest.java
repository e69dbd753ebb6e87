package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.pt2cache.blob.StorageProperties;
import dev.pt2cache.blob.StoreClients;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.LogLines;
import dev.pt2cache.support.ServiceTest;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A commit that relied on a stored copy checks that the copy is still there, over the control
 * requests' connections. With every one of them taken (a slow store, a warm start's commits and
 * small reads), the instance is at its bound, not the store failing: the commit is answered {@code
 * 503 storage-busy} with {@code Retry-After}, logged and counted as busy (docs/adr/0014, third
 * amendment). Before, it waited until {@code control-timeout} ended the call and read {@code
 * storage-unavailable}, blaming the store.
 */
class BusyCommitTest extends ServiceTest {

  @Autowired StoreClients clients;

  @Autowired StorageProperties storage;

  @Test
  void shouldAnswerBusyWhenTheCommitsExistenceCheckFindsNoControlConnection() throws Exception {
    byte[] bytes = Fixtures.randomBytes(5_000);
    String sha256 = Fixtures.sha256(bytes);
    // the content stored already, by another namespace: this upload's bytes are only verified,
    // and its commit checks that the stored copy is still there
    String other = ns + "-other";
    api.putJson("/v1/namespaces/" + other, "{}");
    String there = "/v1/namespaces/" + other + "/entries/fx-graph/pt2-sig-" + UUID.randomUUID();
    assertThat(api.putBytes(there, bytes, "X-Content-SHA256", sha256).status()).isEqualTo(201);
    String uploadUrl =
        declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("uploadUrl")
            .asString();

    List<InputStream> held = new ArrayList<>();
    try (LogLines lines = LogLines.capture()) {
      for (int i = 0; i < StorageProperties.CONTROL_CONNECTIONS; i++) {
        held.add(clients.control().getObject(b -> b.bucket(storage.bucket()).key(blobKey(sha256))));
      }
      double busy = counted("pt2cache.problems", "type", "storage-busy");

      long start = System.nanoTime();
      ApiResponse commit = api.putBytes(uploadUrl, bytes);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertProblem(commit, 503, "storage-busy");
      assertThat(commit.header("Retry-After")).isEqualTo("5");
      assertThat(took).isLessThan(storage.controlTimeout());
      assertThat(counted("pt2cache.problems", "type", "storage-busy") - busy).isEqualTo(1);
      assertThat(lines.messages(Level.WARN, "dev.pt2cache.problem.ApiExceptionHandler"))
          .anyMatch(line -> line.startsWith("store traffic refused: every connection"));
      assertThat(lines.messages(Level.ERROR, "dev.pt2cache.problem.ApiExceptionHandler")).isEmpty();
    } finally {
      for (InputStream stream : held) {
        stream.close();
      }
    }

    // the connections back, the same upload commits
    assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);
  }
}
