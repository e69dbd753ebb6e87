package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TaskThreads;
import dev.pt2cache.support.TestInfra;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A blocking rule is in force from its answer on (ADR 0029), while its batches still retire what it
 * matches: every answer about a match agrees with the content GET that refuses it, whether or not
 * its batch has come. Each test holds the row of a match, as BlockingRuleTest does, so that the
 * rule's batches wait there with its matches still ready in their rows.
 */
class RuleBeforeItsBatchTest extends ServiceTest {

  /** The tasks the tests run beside their own: in flight together (TaskThreads). */
  @RegisterExtension final TaskThreads threads = new TaskThreads();

  static final String BAD_TORCH = BlockingRuleTest.BAD_TORCH;

  final String model = Descriptors.uniqueModel();

  /** Entries of the bad build that match the rule, of which two take the uploads. */
  private static final int ENTRIES = 4;

  final String badBuild = Descriptors.of(model, "1", BAD_TORCH, "NVIDIA H100 80GB HBM3");
  final byte[] bytes = Fixtures.randomBytes(500);

  @Autowired DataSource dataSource;

  /**
   * An entry PUT of the bytes the key holds, without the descriptor the rule matches: once the
   * batch has come the key holds nothing, and the PUT makes a new entry that GET serves. Before its
   * batch, it answered 200 "the key held these bytes" with the blocked entry, which GET answered
   * 404: the node believed the key served.
   */
  @Test
  void shouldStoreAnEntryAgainWhoseHolderTheRuleBlocks() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    String entry = path("/entries/fx-graph/k-" + UUID.randomUUID());
    byte[] compiled = Fixtures.randomBytes(300);
    ApiResponse first = storedBadBuildEntry(entry, compiled);
    String blocked = first.json().get("id").asString();

    CompletableFuture<ApiResponse> made;
    CompletableFuture<ApiResponse> again;
    try (Connection row = holdingRow(held)) {
      made = ruleInForce();
      assertThat(api.get(entry).status()).as("GET refuses the blocked entry").isEqualTo(404);
      again = CompletableFuture.supplyAsync(() -> api.putBytes(entry, compiled), threads);
      // the PUT answers at once, or waits for a batch that holds the entry's row
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> again.isDone() || waiting("transactionid") > 1);
      if (again.isDone()) {
        assertStoredAnew(again.join(), blocked, entry, compiled);
      }
      row.rollback();
    }
    assertStoredAnew(again.get(10, TimeUnit.SECONDS), blocked, entry, compiled);
    assertThat(made.get(10, TimeUnit.SECONDS).json().get("invalidated").asLong())
        .as("both matches counted, once each")
        .isEqualTo(2);
    assertThat(api.get(path("/artifacts/" + blocked)).json().get("state").asString())
        .isEqualTo("invalidated");
  }

  /**
   * An entry PUT whose bytes were still streaming when another upload made the key ready and a rule
   * matching only that other one came: its commit retires the holder (ADR 0029) and makes its own
   * artifact ready. It answered 201 with its artifact ready while its row stayed pending, and GET
   * of the entry answered 404: the retirement's count cleared what the commit had read.
   */
  @Test
  void shouldServeWhatACommitMadeReadyAfterRetiringTheHolder() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    String key = "k-" + UUID.randomUUID();
    String entry = path("/entries/fx-graph/" + key);
    byte[] compiled = Fixtures.randomBytes(1 << 20);
    CountDownLatch rest = new CountDownLatch(1);
    CompletableFuture<ApiResponse> streaming =
        CompletableFuture.supplyAsync(
            () ->
                api.putBody(
                    entry,
                    BodyPublishers.fromPublisher(
                        BodyPublishers.ofInputStream(() -> gated(compiled, rest)), compiled.length),
                    "X-Content-SHA256",
                    Fixtures.sha256(compiled)),
            threads);
    ApiResponse holder;
    CompletableFuture<ApiResponse> made;
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  jdbc.sql(
                              "select count(*) from artifact where cache_key = ? and state = 'PENDING'")
                          .param(key)
                          .query(Long.class)
                          .single()
                      == 1);
      holder = storedBadBuildEntry(entry, compiled);

      try (Connection row = holdingRow(held)) {
        made = ruleInForce();
        rest.countDown();
        // the commit answers at once, or waits for the batch that holds the holder's row
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> streaming.isDone() || waiting("transactionid") > 1);
        row.rollback();
      }
    } finally {
      rest.countDown();
    }
    ApiResponse put = streaming.get(10, TimeUnit.SECONDS);
    assertStoredAnew(put, holder.json().get("id").asString(), entry, compiled);
    assertThat(made.get(10, TimeUnit.SECONDS).json().get("invalidated").asLong())
        .as("both matches counted, once each")
        .isEqualTo(2);
  }

  /**
   * A reservation that retires its key's blocked holder waits for its content's lock first, as a
   * commit does, and only then touches the holder's row and the rule's count. It took the lock
   * after them: waiting for a digest another held (a collection deciding on the object, or a commit
   * of the same bytes that was itself retiring a match), it held the rule's record, and every other
   * upload retiring a match of the rule waited behind it; with that commit waiting on the record in
   * turn, the two deadlocked.
   */
  @Test
  void shouldLetOtherUploadsRetireMatchesWhileOneWaitsForItsContentsLock() throws Exception {
    Map<String, String> entries = new LinkedHashMap<>(); // artifact id -> its entry's path
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (int i = 0; i < ENTRIES; i++) {
      String entry = path("/entries/fx-graph/k-" + UUID.randomUUID());
      byte[] content = Fixtures.randomBytes(300);
      ApiResponse put = storedBadBuildEntry(entry, content);
      entries.put(put.json().get("id").asString(), entry);
      contents.put(entry, content);
    }

    CompletableFuture<ApiResponse> made;
    CompletableFuture<ApiResponse> waitingForContent;
    CompletableFuture<ApiResponse> beside;
    String one;
    String other;
    try (HeldRows held = new HeldRows(entries.keySet());
        Connection collector = dataSource.getConnection()) {
      // every match held: the rule's first batch waits on the first of its rows in id order,
      // holding none, and no other batch starts. The matches come in no set order (the CI of
      // 395abad and of ff56eb9), so the uploads go to two the waiting batch is not waiting for
      made = ruleInForce();
      await().atMost(Duration.ofSeconds(10)).until(() -> held.notWaitedFor().size() < ENTRIES);
      List<String> free = held.notWaitedFor();
      assertThat(free).as("matches no batch waits for").hasSize(ENTRIES - 1);
      one = entries.get(free.get(0));
      other = entries.get(free.get(1));
      held.release(free.get(0));
      held.release(free.get(1));
      byte[] oneBytes = contents.get(one);
      byte[] otherBytes = contents.get(other);
      collector.setAutoCommit(false);
      try (PreparedStatement lock =
          collector.prepareStatement(
              "select pg_advisory_xact_lock(hashtextextended('blob/' || ?, 0))")) {
        lock.setString(1, Fixtures.sha256(oneBytes));
        lock.executeQuery();
      }
      String sendOne = one;
      String sendOther = other;
      waitingForContent =
          CompletableFuture.supplyAsync(() -> api.putBytes(sendOne, oneBytes), threads);
      await().atMost(Duration.ofSeconds(10)).until(() -> waiting("advisory") > 0);
      beside = CompletableFuture.supplyAsync(() -> api.putBytes(sendOther, otherBytes), threads);
      try {
        // an upload of other content to another key of the rule goes on
        await().atMost(Duration.ofSeconds(10)).until(beside::isDone);
      } finally {
        collector.rollback();
      }
    }
    assertThat(beside.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    assertThat(waitingForContent.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    assertThat(api.get(one).body()).isEqualTo(contents.get(one));
    assertThat(api.get(other).body()).isEqualTo(contents.get(other));
    assertThat(made.get(10, TimeUnit.SECONDS).json().get("invalidated").asLong())
        .as("every match counted, once each")
        .isEqualTo(ENTRIES);
  }

  /**
   * The rows of some artifacts, each held ({@code for update}) by a connection of the test's own,
   * outside the service's pool; closing lets every one go.
   */
  private static final class HeldRows implements AutoCloseable {
    private final Map<String, Connection> holders = new LinkedHashMap<>();
    private final Map<String, Integer> pids = new LinkedHashMap<>();

    HeldRows(Collection<String> ids) throws SQLException {
      try {
        for (String id : ids) {
          Connection row = TestInfra.adminConnection();
          holders.put(id, row);
          row.setAutoCommit(false);
          try (PreparedStatement lock =
              row.prepareStatement(
                  "select pg_backend_pid() from artifact where id = ?::uuid for update")) {
            lock.setString(1, id);
            try (ResultSet pid = lock.executeQuery()) {
              pid.next();
              pids.put(id, pid.getInt(1));
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        close();
        throw e;
      }
    }

    /** The held artifacts whose holder no other session waits for. */
    List<String> notWaitedFor() throws SQLException {
      List<String> free = new ArrayList<>();
      try (Connection probe = TestInfra.adminConnection();
          PreparedStatement blocking =
              probe.prepareStatement(
                  "select exists (select from pg_stat_activity"
                      + " where ? = any(pg_blocking_pids(pid)))")) {
        for (Map.Entry<String, Integer> held : pids.entrySet()) {
          blocking.setInt(1, held.getValue());
          try (ResultSet waitedFor = blocking.executeQuery()) {
            waitedFor.next();
            if (!waitedFor.getBoolean(1)) {
              free.add(held.getKey());
            }
          }
        }
      }
      return free;
    }

    /** Lets the row of {@code id} go. */
    void release(String id) throws SQLException {
      pids.remove(id);
      try (Connection row = holders.remove(id)) {
        row.rollback();
      }
    }

    @Override
    public void close() throws SQLException {
      for (String id : List.copyOf(holders.keySet())) {
        release(id);
      }
    }
  }

  /** An entry PUT with the descriptor of the build the rule blocks, stored ({@code 201}). */
  private ApiResponse storedBadBuildEntry(String entry, byte[] content) {
    ApiResponse put =
        api.putBytes(
            entry, content, BlockingRuleTest.DESCRIPTOR, BlockingRuleTest.oneLine(badBuild));
    assertThat(put.status()).as(put.text()).isEqualTo(201);
    return put;
  }

  /** The bytes: the first half at once, the rest once {@code rest} opens. */
  private static InputStream gated(byte[] bytes, CountDownLatch rest) {
    int half = bytes.length / 2;
    return new SequenceInputStream(
        new ByteArrayInputStream(bytes, 0, half),
        new InputStream() {
          private InputStream after;

          @Override
          public int read() throws IOException {
            if (after == null) {
              try {
                rest.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
              }
              after = new ByteArrayInputStream(bytes, half, bytes.length - half);
            }
            return after.read();
          }
        });
  }

  private void assertStoredAnew(ApiResponse put, String blocked, String entry, byte[] compiled) {
    assertThat(put.status()).as(put.text()).isEqualTo(201);
    assertThat(put.json().get("id").asString()).isNotEqualTo(blocked);
    ApiResponse served = api.get(entry);
    assertThat(served.status()).as("GET serves what the PUT answered").isEqualTo(200);
    assertThat(served.body()).isEqualTo(compiled);
  }

  /** A miss's closest names only what could be served: never a match of the rule. */
  @Test
  void shouldNameNoBlockedArtifactAsClosest() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    String goodBuild = Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3");
    try (Connection row = holdingRow(held)) {
      CompletableFuture<ApiResponse> made = ruleInForce();
      JsonNode miss =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", goodBuild))
              .json()
              .get("miss");
      assertThat(miss.get("reason").asString()).isEqualTo("not-found");
      assertThat(miss.get("closest")).as(miss.toString()).isNull();
      row.rollback();
      made.get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The metadata and the listing say what the content GET says: a match of the rule is not ready,
   * and a listing of what is ready leaves it out.
   */
  @Test
  void shouldShowAMatchAsInvalidatedBeforeItsBatch() throws Exception {
    String held = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    try (Connection row = holdingRow(held)) {
      CompletableFuture<ApiResponse> made = ruleInForce();
      assertThat(api.get(path("/artifacts/" + held + "/content")).status()).isEqualTo(410);
      JsonNode metadata = api.get(path("/artifacts/" + held)).json();
      assertThat(metadata.get("state").asString()).isEqualTo("invalidated");

      JsonNode ready =
          api.get(path("/artifacts?state=ready&modelName=" + model)).json().get("items");
      assertThat(ready.size()).as(ready.toString()).isZero();
      JsonNode all = api.get(path("/artifacts?modelName=" + model)).json().get("items");
      assertThat(all.size()).isEqualTo(1);
      assertThat(all.get(0).get("state").asString()).isEqualTo("invalidated");
      row.rollback();
      JsonNode rule = made.get(10, TimeUnit.SECONDS).json();
      assertThat(api.get(path("/artifacts/" + held)).json().get("invalidationId").asString())
          .isEqualTo(rule.get("id").asString());
    }
  }

  /** Makes the rule and waits until its batch waits for the held row: the rule is in force. */
  private CompletableFuture<ApiResponse> ruleInForce() {
    CompletableFuture<ApiResponse> made =
        CompletableFuture.supplyAsync(
            () -> api.postJson(path("/invalidations"), BlockingRuleTest.blockBad()), threads);
    // the rule committed (its namespace's rules lock let go) and a batch waiting on a held row:
    // a waiting lock alone may be another test context's, and an upload sent before the rule's
    // commit queued behind its lock with the content's lock held elsewhere (the CI of 6be73a3)
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ruleCommitted() && waiting("transactionid") > 0);
    return made;
  }

  private boolean ruleCommitted() {
    return BlockingRuleTest.ruleCommitted(jdbc, ns);
  }

  private Connection holdingRow(String id) throws SQLException {
    return BlockingRuleTest.holdingRow(dataSource, id);
  }

  private long waiting(String lockType) {
    return BlockingRuleTest.waiting(jdbc, lockType);
  }
}
