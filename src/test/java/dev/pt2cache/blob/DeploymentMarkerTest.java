package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.Pt2CacheApplication;
import dev.pt2cache.blob.DeploymentMarker.Decision;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.assertj.core.api.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A bucket and a database that are not one deployment's never start together. */
class DeploymentMarkerTest extends ServiceTest {

  @Autowired BlobStore store;

  /** A session that holds the marker's row, as a start frozen while checking it would. */
  private Connection markerRowHolder;

  @Test
  void shouldKeepTheDatabasesMarkerInTheBucket() {
    String marker =
        jdbc.sql("select store_marker::text from deployment where marker_written")
            .query(String.class)
            .single();

    assertThat(store.readMarker()).contains(marker);
    assertThat(store.list().map(BlobStore.StoredObject::sha256))
        .as("the marker is no blob")
        .doesNotContain(marker);
  }

  @Test
  void shouldRefuseToStartOnAnotherBucket() {
    assertThatThrownBy(() -> start(Map.of("PT2CACHE_S3_BUCKET", otherBucket())))
        .hasRootCauseInstanceOf(WrongStoreException.class)
        .rootCause()
        .hasMessageContaining("holds no deployment marker")
        .hasMessageContaining("PT2CACHE_S3_BUCKET");
  }

  @Test
  void shouldRefuseOnAFirstStartABucketWithoutTheNewestBlobsOfTheDatabase() {
    uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(100));
    // as on the first start after upgrading to the marker: nothing written anywhere yet
    jdbc.sql("update deployment set marker_written = false").update();
    try {
      assertThatThrownBy(() -> start(Map.of("PT2CACHE_S3_BUCKET", otherBucket())))
          .hasRootCauseInstanceOf(WrongStoreException.class)
          .rootCause()
          .hasMessageContaining("newest blobs this database records");
    } finally {
      jdbc.sql("update deployment set marker_written = true").update();
    }
  }

  @Test
  void shouldRefuseToStartANewDatabaseBesideAnotherDeploymentsBucket() {
    String database = "fresh_" + UUID.randomUUID().toString().substring(0, 8);
    jdbc.sql("create database " + database).update();
    String url = TestInfra.serviceEnvironment().get("PT2CACHE_DB_URL");
    int name = url.lastIndexOf('/') + 1;
    int query = url.indexOf('?', name);
    String freshUrl = url.substring(0, name) + database + (query < 0 ? "" : url.substring(query));

    assertThatThrownBy(() -> start(Map.of("PT2CACHE_DB_URL", freshUrl)))
        .hasRootCauseInstanceOf(WrongStoreException.class)
        .rootCause()
        .hasMessageContaining("belongs to another deployment")
        .hasMessageContaining("restored from a backup");

    // what the error says to do for a database restored from before the marker, done: it starts
    String ours = store.readMarker().orElseThrow();
    Map<String, String> env = TestInfra.serviceEnvironment();
    try (Connection fresh =
            DriverManager.getConnection(
                freshUrl, env.get("PT2CACHE_DB_USER"), env.get("PT2CACHE_DB_PASSWORD"));
        PreparedStatement adopt =
            fresh.prepareStatement(
                "update deployment set store_marker = ?::uuid, marker_written = true")) {
      adopt.setString(1, ours);
      assertThat(adopt.executeUpdate()).as("the refused start left its row").isOne();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    start(Map.of("PT2CACHE_DB_URL", freshUrl));
  }

  /**
   * A start frozen while it holds the marker's row (here a plain session that locked it and never
   * ends) kept every other start waiting for as long, until each one's start probe killed it. A
   * start waits {@code PT2CACHE_DB_LOCK_WAIT} for it, as every write does, then stops, naming the
   * session that holds it. Bounded by the test's own timeout: before, it waited for ever.
   */
  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldStopAStartThatWaitedLongForTheMarkersRowSayingWhoHoldsIt() throws SQLException {
    Map<String, String> env = TestInfra.serviceEnvironment();
    Properties holder = new Properties();
    holder.setProperty("user", env.get("PT2CACHE_DB_USER"));
    holder.setProperty("password", env.get("PT2CACHE_DB_PASSWORD"));
    holder.setProperty("ApplicationName", "frozen-start");
    markerRowHolder = DriverManager.getConnection(env.get("PT2CACHE_DB_URL"), holder);
    // before the marker is written, the one start that takes turns (the store holds this
    // database's marker, so the start after it writes the row's flag again)
    markerRowHolder.createStatement().execute("update deployment set marker_written = false");
    markerRowHolder.setAutoCommit(false);
    markerRowHolder.createStatement().execute("select * from deployment where id = 1 for update");

    assertThatThrownBy(() -> start(Map.of("PT2CACHE_DB_LOCK_WAIT", "1s")))
        .hasCauseInstanceOf(MarkerRowHeldException.class)
        .cause()
        .hasMessageContaining("PT2CACHE_DB_LOCK_WAIT (1000ms)")
        .hasMessageContaining("frozen-start")
        .hasMessageContaining("idle in transaction");
    markerRowHolder.rollback();
    start(Map.of("PT2CACHE_DB_LOCK_WAIT", "1s")); // and starts once it is free
  }

  /**
   * Once the marker is written, a start only compares it with the store's: a session left on the
   * marker's row no longer stops it. Before, every start locked the row and stopped after {@code
   * PT2CACHE_DB_LOCK_WAIT} naming that session.
   */
  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldStartWhileASessionHoldsTheMarkersRowOnceTheMarkerIsWritten() throws SQLException {
    Map<String, String> env = TestInfra.serviceEnvironment();
    markerRowHolder =
        DriverManager.getConnection(
            env.get("PT2CACHE_DB_URL"),
            env.get("PT2CACHE_DB_USER"),
            env.get("PT2CACHE_DB_PASSWORD"));
    markerRowHolder.setAutoCommit(false);
    try (var held =
        markerRowHolder
            .createStatement()
            .executeQuery("select marker_written from deployment where id = 1 for update")) {
      assertThat(held.next()).isTrue();
      assertThat(held.getBoolean(1)).as("written by this class's own start").isTrue();
    }

    start(Map.of("PT2CACHE_DB_LOCK_WAIT", "1s"));
  }

  /** Even after a timeout, whose test thread is left waiting: the other tests start instances. */
  @AfterEach
  void releaseTheMarkersRow() throws SQLException {
    if (markerRowHolder != null) {
      markerRowHolder.close();
      markerRowHolder = null;
    }
  }

  private static String otherBucket() {
    return "other-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static void start(Map<String, String> overrides) {
    Map<String, Object> properties = new LinkedHashMap<>(TestInfra.serviceEnvironment());
    properties.put("PT2CACHE_PORT", "0");
    // no job of a second instance may act on the shared bucket
    properties.put("PT2CACHE_HOUSEKEEPING_ENABLED", "false");
    properties.putAll(overrides);
    new SpringApplicationBuilder(Pt2CacheApplication.class).properties(properties).run().close();
  }

  @Nested
  class Decisions {

    final String ours = UUID.randomUUID().toString();

    @Test
    void shouldWriteTheMarkerOnTheFirstStart() {
      assertThat(DeploymentMarker.decide(ours, false, Optional.empty())).isEqualTo(Decision.WRITE);
    }

    @Test
    void shouldStartWhenTheBucketHoldsTheDatabasesMarker() {
      assertThat(DeploymentMarker.decide(ours, true, Optional.of(ours)))
          .isEqualTo(Decision.MATCHES);
      assertThat(DeploymentMarker.decide(ours, false, Optional.of(ours)))
          .as("written by an instance that stopped before recording it")
          .isEqualTo(Decision.MATCHES);
    }

    @Test
    void shouldRefuseABucketOfAnotherDeploymentEvenOnTheFirstStart() {
      String theirs = UUID.randomUUID().toString();
      for (boolean written : new boolean[] {false, true}) {
        assertThatThrownBy(() -> DeploymentMarker.decide(ours, written, Optional.of(theirs)))
            .isInstanceOf(WrongStoreException.class)
            .hasMessageContaining(theirs)
            .hasMessageContaining(ours);
      }
    }

    @Test
    void shouldRefuseABucketWithoutTheMarkerOnceItWasWritten() {
      assertThatThrownBy(() -> DeploymentMarker.decide(ours, true, Optional.empty()))
          .isInstanceOf(WrongStoreException.class)
          .has(new Condition<>(e -> e.getMessage().contains(ours), "names the marker to adopt"));
    }
  }
}
