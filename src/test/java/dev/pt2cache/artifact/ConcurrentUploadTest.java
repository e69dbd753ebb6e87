package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Invariant 4: parallel uploads of one key, through artifacts or entries, end with exactly one
 * READY artifact.
 */
class ConcurrentUploadTest extends ServiceTest {

  static final int UPLOADERS = 16;

  @Test
  void shouldJoinIdenticalUploadsIntoOneReadyArtifact() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    byte[] bytes = Fixtures.GPT2.bytes();

    List<ApiResponse> answers = race(() -> upload(descriptor, bytes));

    assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.text()).isEqualTo(200));
    assertThat(answers.stream().map(a -> a.json().get("id").asString()).distinct()).hasSize(1);
    String key = answers.get(0).json().get("key").asString();
    assertThat(readyArtifacts(ns, "mega-cache", key)).isEqualTo(1);
    assertThat(objectKeys(blobKey(Fixtures.GPT2.sha256()))).hasSize(1);
    assertThat(api.get(answers.get(0).json().get("downloadUrl").asString()).body())
        .isEqualTo(bytes);
  }

  @Test
  void shouldLetOneOfManyDifferentUploadsWinAndRefuseTheOthers() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());

    List<byte[]> contents = Collections.synchronizedList(new ArrayList<>());
    List<ApiResponse> answers =
        race(
            () -> {
              byte[] bytes = Fixtures.randomBytes(100_000);
              contents.add(bytes);
              return upload(descriptor, bytes);
            });

    List<ApiResponse> winners = answers.stream().filter(a -> a.status() == 200).toList();
    assertThat(winners).hasSize(1);
    assertThat(answers.stream().filter(a -> a.status() == 409)).hasSize(UPLOADERS - 1);
    String key = winners.get(0).json().get("key").asString();
    assertThat(readyArtifacts(ns, "mega-cache", key)).isEqualTo(1);
    ApiResponse hit = api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    assertThat(hit.json().get("artifact").get("id").asString())
        .isEqualTo(winners.get(0).json().get("id").asString());
    for (byte[] bytes : contents) {
      String sha256 = Fixtures.sha256(bytes);
      if (!objectKeys(blobKey(sha256)).isEmpty()) {
        long rows =
            jdbc.sql("select count(*) from blob where sha256 = ?")
                .param(sha256)
                .query(Long.class)
                .single();
        assertThat(rows).as("a losing upload's object is tracked, to be collected").isEqualTo(1);
      }
    }
  }

  @Test
  void shouldJoinIdenticalEntryPutsIntoOneReadyEntry() throws Exception {
    String entry = path("/entries/autotune/" + UUID.randomUUID());
    byte[] bytes = Fixtures.randomBytes(300);

    List<ApiResponse> answers =
        race(() -> api.putBytes(entry, bytes, "X-Content-SHA256", Fixtures.sha256(bytes)));

    assertThat(answers.stream().filter(a -> a.status() == 201)).hasSize(1);
    assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.text()).isIn(200, 201));
    assertThat(answers.stream().map(a -> a.json().get("id").asString()).distinct()).hasSize(1);
    String key = answers.get(0).json().get("key").asString();
    assertThat(readyArtifacts(ns, "autotune", key)).isEqualTo(1);
    assertThat(api.get(entry).body()).isEqualTo(bytes);
  }

  @Test
  void shouldLetOneOfManyDifferentEntryPutsWinAndRefuseTheOthers() throws Exception {
    String entry = path("/entries/autotune/" + UUID.randomUUID());
    List<byte[]> contents = Collections.synchronizedList(new ArrayList<>());

    List<ApiResponse> answers =
        race(
            () -> {
              byte[] bytes = Fixtures.randomBytes(300);
              contents.add(bytes);
              return api.putBytes(entry, bytes, "X-Content-SHA256", Fixtures.sha256(bytes));
            });

    List<ApiResponse> winners = answers.stream().filter(a -> a.status() == 201).toList();
    assertThat(winners).hasSize(1);
    assertThat(answers.stream().filter(a -> a.status() == 409)).hasSize(UPLOADERS - 1);
    String key = winners.get(0).json().get("key").asString();
    assertThat(readyArtifacts(ns, "autotune", key)).isEqualTo(1);
    assertThat(Fixtures.sha256(api.get(entry).body()))
        .isEqualTo(winners.get(0).json().get("sha256").asString());
  }

  /** Declares, then sends: a loser may already be refused at either step. */
  private ApiResponse upload(String descriptor, byte[] bytes) {
    ApiResponse created = declareMegaCache(descriptor, bytes);
    if (created.status() == 201 && created.json().has("uploadUrl")) {
      return api.putBytes(created.json().get("uploadUrl").asString(), bytes);
    }
    return created;
  }

  private static List<ApiResponse> race(Callable<ApiResponse> upload) throws Exception {
    CyclicBarrier start = new CyclicBarrier(UPLOADERS);
    ExecutorService pool = Executors.newFixedThreadPool(UPLOADERS);
    try {
      List<Future<ApiResponse>> futures = new ArrayList<>();
      for (int i = 0; i < UPLOADERS; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return upload.call();
                }));
      }
      List<ApiResponse> answers = new ArrayList<>();
      for (Future<ApiResponse> future : futures) {
        answers.add(future.get());
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }
}
