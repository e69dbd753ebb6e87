package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.TestPropertySource;

/**
 * Clients that send an upload's body slowly, or stop after a few KB (a hung build, a link that
 * dropped), hold none of the upload permits while their bytes come: a body up to the part size is
 * read first, in room of its own, and takes a permit only to go to the store. Before, each took a
 * permit before its first byte and kept it for as long as its client took (60 s for a stall,
 * without end for a byte a second), and as many such clients as permits held every other upload of
 * the instance out: each waited 30 s and got {@code 503 storage-busy} (docs/adr/0036).
 */
@TestPropertySource(
    properties = {
      "pt2cache.storage.max-concurrent-puts=2",
      // one namespace may hold both: these tests are about the instance's bound (TenantShare is
      // about a namespace's share of it)
      "pt2cache.storage.max-concurrent-puts-per-namespace=2"
    })
class SlowUploadsTest extends ServiceTest {

  static final int SIZE = 64 << 10;
  static final int SENT = 4 << 10;

  /** Streamed in one request (over ServiceTest's part size, within its single-put-max). */
  static final int STREAMED = 5 * 1024 * 1024 + 512 * 1024;

  /** Read whole before it is sent: ServiceTest's part size. */
  static final int PART = 5 << 20;

  /** A multipart upload (over ServiceTest's single-put-max). */
  static final int MULTIPART = 7 << 20;

  /** The room a body holds while its first bytes arrive (ChunkedBuffer's first chunk). */
  static final int FIRST_CHUNK = 16 << 10;

  @Value("${pt2cache.storage.max-concurrent-puts}")
  int permits;

  @Test
  void shouldStoreOtherUploadsWhileClientsThatStoppedSendingHoldTheirBodies() throws Exception {
    double receivedBefore = received();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i <= permits; i++) {
        stalled.add(stalledUpload());
      }
      // as many stalled bodies as permits are being read: their first bytes arrived
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> received() - receivedBefore >= permits * (double) SENT);

      ApiResponse uploaded =
          uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(SIZE));
      assertThat(uploaded.json().get("state").asString()).isEqualTo("ready");
      byte[] entry = Fixtures.randomBytes(SIZE);
      ApiResponse put =
          api.putBytes(
              path("/entries/fx-graph/slow-" + UUID.randomUUID()),
              entry,
              "X-Content-SHA256",
              Fixtures.sha256(entry));
      assertThat(put.status()).as(put.text()).isEqualTo(201);

      assertThat(metric("pt2cache_store_uploads_permits_used", "[^}]*"))
          .as("permits held while the stalled bodies are read")
          .isZero();
      // what they hold instead: the room of the first chunk (16 KiB) each
      awaitBuffered(20, (permits + 1) * (double) FIRST_CHUNK);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
    // the room comes back once their clients are gone
    awaitBuffered(30, 0);
  }

  /**
   * Uploads larger than a part (streamed, and multipart) read their first part before they take a
   * permit too. Before, each took a permit before its first byte, and as many stalled ones as
   * permits held every upload out, small ones included, since those need a permit to send: each
   * waited 30 s and got {@code 503 storage-busy}.
   */
  @Test
  void shouldStoreUploadsWhileLargeOnesStoppedWithinTheirFirstPart() throws Exception {
    double receivedBefore = received();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i <= permits; i++) {
        // streamed ones (over the part size of 5 MB) and a multipart one (over 6 MB)
        stalled.add(stalledUpload(i < permits ? STREAMED : MULTIPART));
      }
      // as many as permits are being read
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> received() - receivedBefore >= permits * (double) SENT);

      byte[] large = Fixtures.randomBytes(STREAMED);
      ApiResponse uploaded = uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), large);
      assertThat(uploaded.json().get("state").asString()).isEqualTo("ready");
      assertThat(api.get(uploaded.json().get("downloadUrl").asString()).body()).isEqualTo(large);
      ApiResponse small =
          uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), Fixtures.randomBytes(SIZE));
      assertThat(small.json().get("state").asString()).isEqualTo("ready");

      assertThat(metric("pt2cache_store_uploads_permits_used", "[^}]*")).isZero();
      awaitBuffered(20, (permits + 1) * (double) FIRST_CHUNK);
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
    awaitBuffered(30, 0);
  }

  /**
   * Large uploads whose first parts, together, are more than their room (here 3 x 5 MB against 2
   * permits x 5 MB) all get stored. Before, each head took its room chunk by chunk and waited for
   * more while it held what it had: once every client had sent 4 MB of its 5.5 MB, no head could be
   * completed, none reached the store (both permits stayed free), and the first to wait got {@code
   * 503 storage-busy} after 30 s while the others waited behind it.
   */
  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {STREAMED, PART})
  void shouldStoreLargeUploadsWhoseFirstPartsTogetherOverrunTheirRoom(int size) throws Exception {
    int heads = permits + 1;
    int sentFirst = 4 << 20;
    double receivedBefore = received();
    ExecutorService senders = Executors.newFixedThreadPool(heads);
    CountDownLatch resume = new CountDownLatch(1);
    List<Socket> sockets = new ArrayList<>();
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < heads; i++) {
        byte[] bytes = Fixtures.randomBytes(size);
        Socket socket = openUpload(bytes);
        sockets.add(socket);
        answers.add(
            senders.submit(
                () -> {
                  send(socket, bytes, 0, sentFirst);
                  resume.await();
                  send(socket, bytes, sentFirst, bytes.length - sentFirst);
                  return statusLine(socket);
                }));
      }
      // the room, less two chunks, is read: no head can be completed from here on
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> received() - receivedBefore >= permits * PART - (512 << 10));
      resume.countDown();
      for (Future<String> answer : answers) {
        assertThat(answer.get(120, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
      }
    } finally {
      senders.shutdownNow();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
    awaitBuffered(30, 0);
    assertThat(metric("pt2cache_store_uploads_permits_used", "[^}]*")).isZero();
  }

  /**
   * An upload that waits for a permit is answered {@code 503 storage-busy}, with its {@code
   * Retry-After}, within {@code PT2CACHE_S3_CONNECTION_WAIT} (here 2 s), as a download that waits
   * for a connection is. Before, it waited 30 s, as long as the Python client's default socket
   * timeout: a fleet at the bound (2 permits held by uploads whose clients stopped past their first
   * part) saw its own timeout about as often as the service's answer, and then sent its bytes again
   * a quarter of a second later instead of after the {@code Retry-After}.
   */
  @ParameterizedTest(name = "an upload of {0} bytes")
  @ValueSource(ints = {SIZE, MULTIPART})
  void shouldAnswerBusyWithinTheConnectionWaitWhileEveryPermitIsHeld(int size) throws Exception {
    List<Socket> stalled = new ArrayList<>();
    try {
      stallPastTheirFirstPart(permits, stalled);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> metric("pt2cache_store_uploads_permits_used", "[^}]*") == permits);

      // one of a part or less, whole; one of parts, its first part's worth and then some (read
      // before it waits for its permit)
      byte[] bytes = Fixtures.randomBytes(size);
      Socket waiting = openUpload(bytes);
      stalled.add(waiting);
      send(waiting, bytes, 0, Math.min(bytes.length, PART + SIZE));
      // well past the connection wait, well short of the old 30 s
      String answer = answerHead(waiting, 20_000);
      assertThat(answer).startsWith("HTTP/1.1 503").contains("Retry-After: 5");
    } finally {
      closeAndAwaitPermitsFree(stalled);
    }
    assertThat(metric("pt2cache_store_uploads_waiting", "[^}]*")).as("waiting").isZero();
    assertThat(metric("pt2cache_store_uploads_buffered_bytes", "[^}]*"))
        .as("body heap of the refused upload, given back")
        .isZero();
    assertThat(unfinishedMultipartUploads()).as("multipart uploads left in the store").isZero();
  }

  /** With each namespace's share at 1 of the 2 permits. */
  @Nested
  @TestPropertySource(properties = "pt2cache.storage.max-concurrent-puts-per-namespace=1")
  class TenantShare {

    /**
     * One namespace's uploads hold at most its share of the permits (here 1 of 2), so a tenant
     * whose clients stop past their first part, or trickle a byte now and then, cannot hold every
     * upload of the other namespaces out. Before, a tenant with a write token sent 9 MB to each of
     * 17 uploads and a byte every 5 s after: all 16 permits were its, and every other namespace's
     * upload, a 16 KiB entry too, got {@code 503 storage-busy} after the connection wait for as
     * long as it went on (docs/adr/0038).
     */
    @Test
    void shouldStoreAnotherNamespacesUploadWhileOneNamespaceHoldsItsShare() throws Exception {
      double receivedBefore = received();
      List<Socket> stalled = new ArrayList<>();
      try {
        stallPastTheirFirstPart(permits, stalled);
        // every head is read, and the first holds a permit: the other waits for the share
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    received() - receivedBefore >= permits * (double) PART
                        && metric("pt2cache_store_uploads_permits_used", "[^}]*") >= 1);

        assertAnotherNamespacesUploadStored();

        // the namespace past its share is told busy, as when every permit is held, and why: its
        // own uploads hold its share (before: "too many uploads are being stored at once", which
        // sends the operator to PT2CACHE_S3_MAX_CONCURRENT_PUTS while half the permits are free)
        String refused = answer(stalled.get(permits - 1), 20_000);
        assertThat(refused)
            .startsWith("HTTP/1.1 503")
            .contains("Retry-After: 5")
            .contains("'s uploads hold its share of this instance's upload permits")
            .contains("(1 of 2, PT2CACHE_S3_MAX_CONCURRENT_PUTS_PER_NAMESPACE)");
      } finally {
        closeAndAwaitPermitsFree(stalled);
      }
    }

    /**
     * A multipart upload reads its next part into a second buffer while the last goes to the store,
     * on a spare permit: the spare counts in its namespace's share like the first. Before, it was
     * taken outside the share and kept while the client stalled after a part was sent (it went back
     * only when a send ended while another upload waited), so one namespace's multipart upload held
     * both permits here, and another namespace's upload was {@code 503 storage-busy} after the
     * connection wait; with 16 permits, 8 stalled uploads of one namespace over single-put-max (5
     * GB by default) held them all despite a share of 12 (docs/adr/0038).
     */
    @Test
    void shouldLeaveOtherNamespacesTheirPermitsWhileOneNamespacesMultipartUploadStalls()
        throws Exception {
      long partsBefore = storeCalls("UploadPart");
      byte[] multipart = Fixtures.randomBytes(MULTIPART);
      Socket stalledUpload = openUpload(multipart);
      try {
        send(stalledUpload, multipart, 0, PART + SIZE);
        // its first part is in the store, and its client has stopped in the second
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> storeCalls("UploadPart") - partsBefore >= 1);

        assertAnotherNamespacesUploadStored();
      } finally {
        closeAndAwaitPermitsFree(List.of(stalledUpload));
      }
    }

    /** An upload of a namespace made for it is stored at once. */
    private void assertAnotherNamespacesUploadStored() {
      String other = "t-" + UUID.randomUUID().toString().substring(0, 12);
      assertThat(api.putJson("/v1/namespaces/" + other, "{}").status()).isEqualTo(201);
      byte[] bytes = Fixtures.randomBytes(SIZE);
      ApiResponse declared =
          api.postJson("/v1/namespaces/" + other + "/artifacts", Descriptors.upload(bytes));
      assertThat(declared.status()).as(declared.text()).isEqualTo(201);
      ApiResponse sent = api.putBytes(declared.json().get("uploadUrl").asString(), bytes);
      assertThat(sent.status()).as(sent.text()).isEqualTo(200);
      assertThat(sent.json().get("state").asString()).isEqualTo("ready");
    }
  }

  /**
   * Opens {@code count} uploads and sends each past its first part, then nothing: each takes a
   * permit and holds it while the store waits for the rest.
   */
  private void stallPastTheirFirstPart(int count, List<Socket> stalled) throws IOException {
    for (int i = 0; i < count; i++) {
      byte[] bytes = Fixtures.randomBytes(STREAMED);
      Socket socket = openUpload(bytes);
      send(socket, bytes, 0, PART + SIZE);
      stalled.add(socket);
    }
  }

  /** Closes the stalled uploads' connections and waits until their permits are given back. */
  private void closeAndAwaitPermitsFree(List<Socket> stalled) throws IOException {
    for (Socket socket : stalled) {
      socket.close();
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> metric("pt2cache_store_uploads_permits_used", "[^}]*") == 0);
  }

  /** The status line and headers of the answer on {@code socket}, read within {@code millis}. */
  private static String answerHead(Socket socket, int millis) throws IOException {
    socket.setSoTimeout(millis);
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b == -1) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** The answer's head and, by its {@code Content-Length}, its body. */
  private static String answer(Socket socket, int millis) throws IOException {
    String head = answerHead(socket, millis);
    Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
    assertThat(length.find()).as("a Content-Length in %s", head).isTrue();
    byte[] body = socket.getInputStream().readNBytes(Integer.parseInt(length.group(1)));
    return head + new String(body, StandardCharsets.UTF_8);
  }

  private static Void send(Socket socket, byte[] bytes, int from, int length) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(bytes, from, length);
    out.flush();
    return null;
  }

  /** The status line of the answer on {@code socket}. */
  private static String statusLine(Socket socket) throws IOException {
    socket.setSoTimeout(120_000);
    InputStream in = socket.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\r'; b = in.read()) {
      line.append((char) b);
    }
    return line.toString();
  }

  private double received() {
    return counted("pt2cache.transfer.bytes", "namespace", ns, "direction", "in");
  }

  private Socket stalledUpload() throws IOException {
    return stalledUpload(SIZE);
  }

  /** Declares a Mega-Cache of {@code size} bytes and sends the first {@code SENT}, then nothing. */
  private Socket stalledUpload(int size) throws IOException {
    byte[] bytes = Fixtures.randomBytes(size);
    Socket socket = openUpload(bytes);
    socket.getOutputStream().write(bytes, 0, SENT);
    socket.getOutputStream().flush();
    return socket;
  }

  /** Declares a Mega-Cache of these bytes and sends the head of its PUT, none of the body yet. */
  private Socket openUpload(byte[] bytes) throws IOException {
    int size = bytes.length;
    ApiResponse declared = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes);
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    Socket socket = new Socket("127.0.0.1", port());
    OutputStream out = socket.getOutputStream();
    out.write(
        ("PUT "
                + declared.json().get("uploadUrl").asString()
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + EmbeddedInfra.ADMIN_TOKEN
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + size
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  /** Waits until the upload bodies being received hold {@code bytes} of heap. */
  private void awaitBuffered(int seconds, double bytes) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(seconds))
        .until(() -> metric("pt2cache_store_uploads_buffered_bytes", "[^}]*") == bytes);
  }
}
