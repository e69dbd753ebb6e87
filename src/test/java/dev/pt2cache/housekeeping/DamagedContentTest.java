package dev.pt2cache.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.support.TestInfra;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Objects changed in the bucket behind the service's back (a restore from a damaged copy, a disk
 * that flipped bytes, a hand that overwrote one): the service never serves bytes that are not the
 * content it recorded, retires the artifacts on them, and takes the content again from the next
 * upload (docs/adr/0028).
 */
class DamagedContentTest extends ServiceTest {

  @Autowired DataSource dataSource;

  final byte[] bytes = Fixtures.randomBytes(1_000_000);
  final String sha256 = Fixtures.sha256(bytes);

  /**
   * The same size, other bytes: only hashing finds it. The response has begun when the digest is
   * known, so it ends short of its length: the client never holds the whole wrong content.
   */
  @Test
  void shouldNeverServeWholeBytesChangedInPlace() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadedThenChangedInPlace(descriptor);

    assertEndsShort(ready.get("downloadUrl").asString());

    assertRetiredAsDamaged(descriptor, ready.get("id").asString(), "download");
    assertStoredAgainByTheNextUpload(descriptor);
  }

  /**
   * The node whose download was cut resumes it with a range and hears {@code 410}: its type stays
   * {@code invalidated} (what clients act on), and its detail says what happened, the content found
   * damaged in storage and deleted, rather than that someone invalidated the artifact.
   */
  @Test
  void shouldTellTheNodeThatResumesThatTheContentWasFoundDamaged() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadedThenChangedInPlace(descriptor);
    String url = ready.get("downloadUrl").asString();
    assertEndsShort(url);

    ApiResponse resumed = api.get(url, "Range", "bytes=500000-");

    assertThat(resumed.status()).as(resumed.text()).isEqualTo(410);
    JsonNode problem = resumed.json();
    assertThat(problem.get("type").asString()).isEqualTo("urn:pt2cache:problem:invalidated");
    assertThat(problem.get("detail").asString())
        .as("what the node's log shows")
        .contains(ready.get("id").asString(), sha256, "damaged in storage", "found by download")
        .doesNotContain("was invalidated");
  }

  /**
   * A range that covers the whole object (what {@code curl -r 0-} and downloaders that probe for
   * resumption send) is the whole content under a 206: it is hashed as a whole download is, and
   * never completes with the wrong bytes.
   */
  @Test
  void shouldNeverServeWholeBytesChangedInPlaceUnderARangeOfAllOfThem() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadedThenChangedInPlace(descriptor);

    assertEndsShort(ready.get("downloadUrl").asString(), "Range", "bytes=0-");

    assertRetiredAsDamaged(descriptor, ready.get("id").asString(), "download");
  }

  /**
   * Downloads of at most 256 KiB are read whole from the store and served from memory
   * (docs/adr/0036): bytes changed in place are found before the answer begins and refused, and an
   * object grown past what such a read takes goes the way of a large download, whose size check
   * finds it. Either way the artifact is retired.
   */
  @Test
  void shouldFindSmallContentDamagedWhetherChangedInPlaceOrGrown() throws Exception {
    byte[] small = Fixtures.randomBytes(4096);
    String smallSha = Fixtures.sha256(small);
    JsonNode changed = uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), small).json();
    byte[] flipped = small.clone();
    flipped[2048] ^= 1;
    putBlobObject(smallSha, flipped);

    // short enough to be verified before the answer begins: refused, not cut short
    ApiResponse refused = api.get(changed.get("downloadUrl").asString());
    assertThat(refused.status()).as(refused.text()).isEqualTo(404);
    assertThat(refused.json().get("detail").asString()).contains("damaged in storage");
    assertThat(
            api.get(path("/artifacts/" + changed.get("id").asString()))
                .json()
                .get("state")
                .asString())
        .isEqualTo("invalidated");

    byte[] other = Fixtures.randomBytes(4096);
    JsonNode grown = uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), other).json();
    putBlobObject(Fixtures.sha256(other), Fixtures.randomBytes(300 * 1024));
    ApiResponse larger = api.get(grown.get("downloadUrl").asString());
    assertThat(larger.status()).as(larger.text()).isEqualTo(404);
    assertThat(larger.json().get("detail").asString()).contains("has 307200 bytes, not 4096");
    assertThat(
            api.get(path("/artifacts/" + grown.get("id").asString()))
                .json()
                .get("state")
                .asString())
        .isEqualTo("invalidated");
  }

  /** The ready artifact of {@link #bytes}, whose object then has one bit flipped. */
  private JsonNode uploadedThenChangedInPlace(String descriptor) {
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    byte[] damaged = bytes.clone();
    damaged[bytes.length / 2] ^= 1;
    overwrite(damaged);
    return ready;
  }

  /** The body ends short of its length instead of completing with the wrong bytes. */
  private void assertEndsShort(String url, String... headers) throws Exception {
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient()
            .send(api.request(url, headers).GET().build(), BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      byte[] received = new byte[bytes.length];
      assertThatThrownBy(() -> body.readNBytes(received, 0, received.length))
          .as("the body ends short of its length instead of completing with the wrong bytes")
          .isInstanceOf(IOException.class);
    }
  }

  /**
   * Damage under the store (a disk, a file-level restore) leaves the object's recorded ETag as it
   * was: the MD5 of the right bytes, the very ETag that storing them again gives. A download that
   * began on the damaged object and finds it out only after another download retired it and an
   * upload stored the right bytes again must not take the new object, nor the artifact on it, for
   * the damaged one.
   */
  @Test
  void shouldNotTakeTheContentStoredAgainForTheDamagedObjectALateDownloadRead() throws Exception {
    assumeFalse(TestInfra.containers(), "damages an object in S3Proxy's directory");
    byte[] large = Fixtures.randomBytes(12 * 1024 * 1024);
    String sha = Fixtures.sha256(large);
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode first = uploadMegaCache(descriptor, large).json();
    Path file =
        EmbeddedInfra.shared()
            .dataDirectory()
            .resolve("s3")
            .resolve(EmbeddedInfra.BUCKET)
            .resolve(blobKey(sha));
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {(byte) ~large[1000]}), 1000); // in place
    }
    // as a disk's damage would: the object's modification time stays that of its upload
    Files.setLastModifiedTime(
        file, FileTime.from(Files.getLastModifiedTime(file).toInstant().minusSeconds(3600)));

    try (Socket late = new Socket()) {
      late.setReceiveBufferSize(4096);
      late.connect(new InetSocketAddress("127.0.0.1", port()));
      late.getOutputStream()
          .write(
              ("GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n\r\n")
                  .formatted(first.get("downloadUrl").asString(), EmbeddedInfra.ADMIN_TOKEN)
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream lateBody = late.getInputStream();
      assertThat(lateBody.readNBytes(1024)).hasSize(1024); // begun, then it stops reading

      HttpResponse<InputStream> other =
          HttpClient.newHttpClient()
              .send(
                  api.request(first.get("downloadUrl").asString()).GET().build(),
                  BodyHandlers.ofInputStream());
      assertThat(other.statusCode()).as("the late download has not retired it yet").isEqualTo(200);
      try (InputStream body = other.body()) {
        assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
      }
      assertThat(api.get(path("/artifacts/" + first.get("id").asString())).json().get("state"))
          .hasToString("\"invalidated\"");
      JsonNode again = uploadMegaCache(descriptor, large).json();
      assertThat(again.get("state").asString()).isEqualTo("ready");

      lateBody.transferTo(OutputStream.nullOutputStream()); // the late download reads its end

      assertThat(api.get(path("/artifacts/" + again.get("id").asString())).json().get("state"))
          .as("the artifact on the content stored again")
          .hasToString("\"ready\"");
      assertThat(api.get(again.get("downloadUrl").asString()).body()).isEqualTo(large);
    }
  }

  /** Another size is seen before anything is sent: a plain 404, no bytes. */
  @Test
  void shouldRefuseAnObjectOfAnotherSizeBeforeSendingIt() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    overwrite(Arrays.copyOf(bytes, bytes.length / 3));

    assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");

    assertRetiredAsDamaged(descriptor, ready.get("id").asString(), "download");
    assertStoredAgainByTheNextUpload(descriptor);
  }

  /**
   * The retirement of damaged content can fail after it has begun: its update of the ready
   * artifacts can be chosen as a deadlock's victim (against a hit flush, an eviction or another
   * invalidation, which update rows of the same artifacts), or its connection can drop. The whole
   * retirement then rolls back, and the object must still be where it was: deleted first, it left
   * ready artifacts that lookups kept answering, without an object to download. The test holds the
   * artifact's row, as a hit flush would, and cancels the retirement's update, as PostgreSQL
   * cancels a deadlock's victim.
   */
  @Test
  void shouldLeaveTheObjectWithItsReadyArtifactWhenTheRetirementFails() throws Exception {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    JsonNode ready = uploadMegaCache(descriptor, bytes).json();
    String id = ready.get("id").asString();
    overwrite(Arrays.copyOf(bytes, bytes.length / 3));

    try (Connection held = dataSource.getConnection()) {
      held.setAutoCommit(false);
      execute(held, "select id from artifact where id = ?::uuid for no key update", id);
      CompletableFuture<ApiResponse> download =
          CompletableFuture.supplyAsync(() -> api.get(ready.get("downloadUrl").asString()));
      awaitWaiters(1);
      assertThat(
              jdbc.sql(
                      """
                      select count(pg_cancel_backend(pid)) from pg_stat_activity
                       where wait_event_type = 'Lock' and datname = current_database()
                         and query like '%artifact%for no key update%'
                      """)
                  .query(Long.class)
                  .single())
          .as("the retirement, waiting for the artifact's row")
          .isOne();
      assertThat(download.get(20, TimeUnit.SECONDS).status()).isGreaterThanOrEqualTo(400);
      held.rollback();
    }

    assertThat(stateOf(id)).as("the retirement rolled back").contains("READY");
    assertThat(objectKeys(blobKey(sha256)))
        .as("the object of a ready artifact, left where it was")
        .containsExactly(blobKey(sha256));
    // the next download finds the damage again, and retires it
    assertProblem(api.get(ready.get("downloadUrl").asString()), 404, "content-missing");
    assertRetiredAsDamaged(descriptor, id, "download");
  }

  @Test
  void shouldFindAnObjectOfAnotherSizeByReconciliation() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    String id = uploadMegaCache(descriptor, bytes).json().get("id").asString();
    overwrite(Arrays.copyOf(bytes, bytes.length + 1));

    JsonNode outcome = runJob("reconcile");

    assertThat(outcome.get("blobsFoundDamaged").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(outcome.get("blobsFoundDamagedDigests").valueStream().map(JsonNode::asString))
        .contains(sha256);
    assertRetiredAsDamaged(descriptor, id, "reconciliation");
    assertStoredAgainByTheNextUpload(descriptor);
  }

  private void overwrite(byte[] content) {
    putBlobObject(sha256, content);
  }

  private void assertRetiredAsDamaged(String descriptor, String id, String foundBy) {
    assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
        .isEqualTo("invalidated");
    JsonNode lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor)).json();
    assertThat(lookup.get("hit").asBoolean()).isFalse();
    JsonNode invalidation = api.get(path("/invalidations")).json().get("items").get(0);
    assertThat(invalidation.get("reason").asString())
        .contains("damaged in storage")
        .contains(foundBy);
    // the node's miss says what its download's 410 says: the service retired it, no one else
    assertThat(lookup.get("miss").get("reason").asString()).isEqualTo("invalidated");
    assertThat(lookup.get("miss").get("detail").asString())
        .as("what the node's log shows of its miss")
        .contains(id, sha256, "damaged in storage", foundBy, invalidation.get("id").asString())
        .contains("compile and upload it again")
        .doesNotContain("was invalidated");
    assertThat(objectKeys(blobKey(sha256))).as("the damaged object is deleted").isEmpty();
  }

  /** A node's upload of the content (its dedup answer gone with the artifact) stores it again. */
  private void assertStoredAgainByTheNextUpload(String descriptor) {
    ApiResponse again = uploadMegaCache(descriptor, bytes);
    assertThat(again.json().get("state").asString()).isEqualTo("ready");
    assertThat(api.get(again.json().get("downloadUrl").asString()).body()).isEqualTo(bytes);
  }
}
