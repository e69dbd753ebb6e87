package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.pt2cache.support.Fixtures;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;

/**
 * The bulk delete purge uses (ADR 0030): one DeleteObjects request for many objects on the real S3
 * server, only the keys the store says it deleted answered, and one request per object from then on
 * where the store answers DeleteObjects {@code NotImplemented} (as Google Cloud Storage's XML API
 * has), 405 or 400. A stand-in answers the DeleteObjects requests where the real server's answer
 * cannot be had; every other request goes to the real server.
 */
class BulkDeleteTest {

  /** What Google Cloud Storage's XML API answered to {@code POST ?delete} (minio/mc#4778). */
  static final String NOT_IMPLEMENTED =
      "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NotImplemented</Code><Message>A header or"
          + " query you provided requested a function that is not implemented.</Message><Details>POST"
          + " ?delete is not implemented for objects.</Details></Error>";

  /** How partial S3 implementations refuse an operation they do not take. */
  static final String ERROR =
      "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>POST ?delete is not"
          + " supported</Message></Error>";

  final List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
  final List<String> put = new CopyOnWriteArrayList<>();
  final AtomicInteger standInAsked = new AtomicInteger();
  HttpServer standIn;
  volatile int standInStatus;
  volatile String standInAnswer;

  /** Digests the stand-in deletes on the real server, {@link #LATE} after their request came. */
  volatile List<String> deletedLate = List.of();

  S3Client s3;
  S3BlobStore store;

  @BeforeEach
  void store() throws IOException {
    TestStorage.createBucket();
    standIn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    standIn.createContext(
        "/",
        exchange -> {
          standInAsked.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          if (!deletedLate.isEmpty()) {
            // a store that applies a request after its client gave up waiting for the answer
            sleep(LATE);
            deletedLate.forEach(
                sha256 ->
                    s3.deleteObject(
                        b -> b.bucket(TestStorage.bucket()).key(BlobStore.objectKey(sha256))));
          }
          byte[] body = standInAnswer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/xml");
          exchange.sendResponseHeaders(standInStatus, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    standIn.start();
    StorageProperties properties = TestStorage.properties(false, null, DataSize.ofMegabytes(6));
    s3 =
        S3StorageConfiguration.clientBuilder(properties)
            .overrideConfiguration(c -> c.addExecutionInterceptor(new Recorder()))
            .build();
    store = new S3BlobStore(StoreClients.sharing(s3), properties);
  }

  /**
   * Leaves no object behind: the service tests that share this bucket would take it for another
   * deployment's.
   */
  @AfterEach
  void stop() {
    standIn.stop(0);
    standInAnswer = null;
    put.forEach(
        sha256 ->
            s3.deleteObject(b -> b.bucket(TestStorage.bucket()).key(BlobStore.objectKey(sha256))));
    s3.close();
  }

  @Test
  void shouldDeleteManyObjectsInOneRequestSignedWithContentMd5() {
    List<String> digests = stored(5);
    String neverStored = Fixtures.sha256(Fixtures.randomBytes(16));

    assertThat(store.deleteAll(concat(digests, neverStored)))
        .as("an absent object is gone as well")
        .containsExactlyInAnyOrderElementsOf(concat(digests, neverStored));

    assertThat(digests).noneMatch(store::exists);
    assertThat(deletions())
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.rawQueryParameters()).containsKey("delete");
              // stores short of AWS's newest checksums refuse DeleteObjects without it
              assertThat(request.firstMatchingHeader("Content-MD5")).isPresent();
            });
  }

  @Test
  void shouldAnswerOnlyTheObjectsTheStoreSaysItDeleted() {
    List<String> digests = stored(2);
    standInStatus = 200;
    standInAnswer =
        "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Deleted><Key>"
            + BlobStore.objectKey(digests.get(0))
            + "</Key></Deleted><Error><Key>"
            + BlobStore.objectKey(digests.get(1))
            + "</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            + "</DeleteResult>";

    assertThat(store.deleteAll(digests)).containsExactly(digests.get(0));
    assertThat(standInAsked).hasValue(1);
  }

  @ParameterizedTest(name = "answered {0}")
  @ValueSource(ints = {501, 405, 400})
  void shouldDeleteOneObjectPerRequestWhereTheStoreLacksDeleteObjects(int status) {
    standInStatus = status;
    standInAnswer =
        status == 501
            ? NOT_IMPLEMENTED
            : ERROR.formatted(status == 405 ? "MethodNotAllowed" : "InvalidRequest");
    List<String> first = stored(3);

    assertThat(store.deleteAll(first)).containsExactlyInAnyOrderElementsOf(first);
    assertThat(singleDeletes()).as("one DeleteObject per object").isEqualTo(3);
    assertThat(first).noneMatch(store::exists);
    int asked = standInAsked.get();
    assertThat(asked).as("DeleteObjects tried").isPositive();

    List<String> then = stored(2);
    assertThat(store.deleteAll(then)).containsExactlyInAnyOrderElementsOf(then);
    assertThat(singleDeletes()).isEqualTo(2);
    assertThat(then).noneMatch(store::exists);
    assertThat(standInAsked).as("and not tried again by this instance").hasValue(asked);
  }

  /**
   * How long the control requests of {@link
   * #shouldRaiseAnUnansweredDeletionOnlyOnceItHadTimeToLand} may take.
   */
  static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(1);

  /** When the stand-in applies a deletion: after the client gave up, within a second timeout. */
  static final Duration LATE = Duration.ofMillis(1500);

  /**
   * A DeleteObjects that the client gave up on (its control timeout) and that the store applies
   * later. The collector holds the digests' locks until deleteAll ends, and an upload that takes
   * them next relies on the copy it finds then (ADR 0011): so deleteAll raises only once the store
   * had the timeout once more to apply it, and the objects are gone by then, not afterwards under
   * an artifact made ready on them (ADR 0030). On the code before, it raised at the timeout, with
   * every object still there.
   */
  @Test
  void shouldRaiseAnUnansweredDeletionOnlyOnceItHadTimeToLand() {
    List<String> digests = stored(3);
    standInStatus = 200;
    standInAnswer = "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
    deletedLate = digests;
    StorageProperties properties =
        TestStorage.withTimeouts(
            TestStorage.properties(false, null, DataSize.ofMegabytes(6)),
            CONTROL_TIMEOUT,
            Duration.ofSeconds(60));
    try (S3Client timed =
            S3StorageConfiguration.clientBuilder(properties)
                .overrideConfiguration(
                    c -> c.apiCallTimeout(CONTROL_TIMEOUT).addExecutionInterceptor(new Recorder()))
                .build();
        S3BlobStore late = new S3BlobStore(StoreClients.sharing(timed), properties)) {
      assertThatThrownBy(() -> late.deleteAll(digests))
          .isInstanceOf(StorageUnavailableException.class);
      assertThat(digests)
          .as("applied by the store after the client gave up, before deleteAll did")
          .noneMatch(store::exists);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private long singleDeletes() {
    return sent.stream().filter(request -> request.method().name().equals("DELETE")).count();
  }

  private List<String> stored(int count) {
    List<String> digests =
        IntStream.range(0, count)
            .mapToObj(i -> Fixtures.sha256(Fixtures.randomBytes(64)))
            .sorted()
            .toList();
    digests.forEach(
        sha256 ->
            s3.putObject(
                b -> b.bucket(TestStorage.bucket()).key(BlobStore.objectKey(sha256)),
                RequestBody.fromBytes(new byte[] {1})));
    put.addAll(digests);
    sent.clear();
    return digests;
  }

  private List<SdkHttpRequest> deletions() {
    return sent.stream()
        .filter(request -> request.rawQueryParameters().containsKey("delete"))
        .toList();
  }

  private static List<String> concat(List<String> digests, String more) {
    return Stream.concat(digests.stream(), Stream.of(more)).toList();
  }

  /**
   * Notes each request as sent; sends DeleteObjects to the stand-in while it has an answer to give.
   */
  private final class Recorder implements ExecutionInterceptor {

    @Override
    public SdkHttpRequest modifyHttpRequest(
        Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof DeleteObjectsRequest && standInAnswer != null) {
        return context.httpRequest().toBuilder().port(standIn.getAddress().getPort()).build();
      }
      return context.httpRequest();
    }

    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      sent.add(context.httpRequest());
    }
  }
}
