package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.Arrays;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class UploadFlowTest extends ServiceTest {

  @Test
  void shouldStoreAndServeAnArtifactOfZeroBytes() {
    byte[] none = new byte[0];
    ApiResponse sent = uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), none);

    assertThat(sent.json().get("state").asString()).isEqualTo("ready");
    assertThat(sent.json().get("sizeBytes").asLong()).isZero();
    ApiResponse got = api.get(path("/artifacts/" + sent.json().get("id").asString() + "/content"));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body()).isEmpty();
    assertThat(got.header("ETag")).isEqualTo("\"" + Fixtures.sha256(none) + "\"");
  }

  @Nested
  class RealMegaCacheBlobs {

    @Test
    void shouldStoreAndServeAOnePartBlobByteForByte() {
      // 2.84 MB, read and verified before one PutObject
      roundTrip(Fixtures.GPT2);
    }

    @Test
    void shouldStoreAndServeAMultipartBlobByteForByte() {
      // 6.45 MB over 5 MB parts: two parts, completed only once the SHA-256 matched
      roundTrip(Fixtures.RESNET50);
    }

    private void roundTrip(Fixtures.Artifact fixture) {
      String descriptor = Descriptors.of(Descriptors.uniqueModel());
      ApiResponse created =
          api.postJson(
              path("/artifacts"),
              Descriptors.upload("mega-cache", descriptor, fixture.sha256(), fixture.size()));
      assertThat(created.status()).isEqualTo(201);
      JsonNode pending = created.json();
      assertThat(pending.get("state").asString()).isEqualTo("pending");
      assertThat(created.header("Location")).endsWith(pending.get("id").asString());

      ApiResponse sent = api.putBytes(pending.get("uploadUrl").asString(), fixture.bytes());
      assertThat(sent.status()).isEqualTo(200);
      JsonNode ready = sent.json();
      assertThat(ready.get("state").asString()).isEqualTo("ready");
      assertThat(ready.get("sha256").asString()).isEqualTo(fixture.sha256());
      assertThat(ready.get("sizeBytes").asLong()).isEqualTo(fixture.size());

      ApiResponse download = api.get(ready.get("downloadUrl").asString());
      assertThat(download.status()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(fixture.bytes());
      assertThat(Fixtures.sha256(download.body())).isEqualTo(fixture.sha256());
      assertThat(download.header("ETag")).isEqualTo("\"" + fixture.sha256() + "\"");
      assertThat(download.header("Repr-Digest")).startsWith("sha-256=:").endsWith(":");
      assertThat(download.header("Content-Length")).isEqualTo(Long.toString(fixture.size()));
      assertThat(objectKeys(blobKey(fixture.sha256()))).containsExactly(blobKey(fixture.sha256()));
    }
  }

  @Nested
  class Downloads {

    final byte[] bytes = Fixtures.RESNET50.bytes();

    String contentUrl() {
      return uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
          .json()
          .get("downloadUrl")
          .asString();
    }

    @Test
    void shouldServeOneRange() {
      ApiResponse part = api.get(contentUrl(), "Range", "bytes=5242870-5242889");
      assertThat(part.status()).isEqualTo(206);
      assertThat(part.header("Content-Range")).isEqualTo("bytes 5242870-5242889/" + bytes.length);
      assertThat(part.body()).isEqualTo(Arrays.copyOfRange(bytes, 5242870, 5242890));
    }

    @Test
    void shouldServeASuffixRange() {
      ApiResponse tail = api.get(contentUrl(), "Range", "bytes=-100");
      assertThat(tail.status()).isEqualTo(206);
      assertThat(tail.body())
          .isEqualTo(Arrays.copyOfRange(bytes, bytes.length - 100, bytes.length));
    }

    /** Also when it accepts the content's type, which Spring MVC would hand to the GET mapping. */
    @ParameterizedTest
    @ValueSource(strings = {"*/*", "application/octet-stream"})
    void shouldAnswerHeadWithoutReadingTheContent(String accept) {
      String url = contentUrl();
      double served = counted("pt2cache.transfer.bytes", "direction", "out", "namespace", ns);
      ApiResponse head = api.head(url, "Accept", accept);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(bytes.length));
      assertThat(head.header("ETag")).isEqualTo("\"" + Fixtures.RESNET50.sha256() + "\"");
      assertThat(counted("pt2cache.transfer.bytes", "direction", "out", "namespace", ns))
          .isEqualTo(served);
    }

    @Test
    void shouldAnswer304WhenTheClientHasTheContent() {
      ApiResponse cached =
          api.get(contentUrl(), "If-None-Match", "\"" + Fixtures.RESNET50.sha256() + "\"");
      assertThat(cached.status()).isEqualTo(304);
      assertThat(cached.body()).isEmpty();
    }

    /**
     * Spellings Spring MVC also reads as a match, and a match on a second header line: each is
     * answered 304 before the store is opened (ContentRequests says why that matters).
     */
    @Test
    void shouldAnswer304ForEverySpellingOfTheTagAndOnAnyHeaderLine() {
      String etag = "\"" + Fixtures.RESNET50.sha256() + "\"";
      for (String header : new String[] {"w/" + etag, etag + ";", "\"other\",w/" + etag}) {
        ApiResponse cached = api.get(contentUrl(), "If-None-Match", header);
        assertThat(cached.status()).as(header).isEqualTo(304);
        assertThat(cached.body()).isEmpty();
      }
      ApiResponse twoLines =
          api.get(contentUrl(), "If-None-Match", "\"other\"", "If-None-Match", etag);
      assertThat(twoLines.status()).isEqualTo(304);
      assertThat(api.get(contentUrl()).status()).isEqualTo(200);
    }

    /** A HEAD is conditional as a GET is (RFC 9110 13.1.2): it answered 200 whatever it named. */
    @Test
    void shouldAnswerAConditionalHeadAsTheGetWouldBe() {
      String etag = "\"" + Fixtures.RESNET50.sha256() + "\"";
      for (String accept : new String[] {"*/*", "application/octet-stream"}) {
        for (String current : new String[] {etag, "*", "\"other\", " + etag}) {
          ApiResponse head = api.head(contentUrl(), "Accept", accept, "If-None-Match", current);
          assertThat(head.status()).as(accept + " " + current).isEqualTo(304);
          assertThat(head.header("ETag")).isEqualTo(etag);
        }
        ApiResponse other = api.head(contentUrl(), "Accept", accept, "If-None-Match", "\"other\"");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("Content-Length")).isEqualTo(Integer.toString(bytes.length));
      }
    }

    /**
     * An If-None-Match over the contract's 1000 characters is refused (400), on a HEAD too, whose
     * answer has no body to name it: headContent did not list 400, so a client could not plan for
     * it. The GET of the same request names the cause.
     */
    @Test
    void shouldAnswer400ToAHeadWhoseIfNoneMatchIsTooLongAsTheGetWould() {
      String url = contentUrl();
      String tooLong = "\"" + "a".repeat(1000) + "\"";
      ApiResponse head = api.head(url, "If-None-Match", tooLong);
      assertThat(head.status()).isEqualTo(400);
      assertThat(head.body()).isEmpty();
      ApiResponse get = api.get(url, "If-None-Match", tooLong);
      assertThat(get.status()).isEqualTo(400);
      assertThat(get.json().get("type").asString())
          .isEqualTo("urn:pt2cache:problem:invalid-request");
    }

    @Test
    void shouldAnswer416ForARangeBeyondTheEnd() {
      ApiResponse beyond = api.get(contentUrl(), "Range", "bytes=" + bytes.length + "-");
      assertProblem(beyond, 416, "range-not-satisfiable");
      assertThat(beyond.header("Content-Range")).isEqualTo("bytes */" + bytes.length);
      // a first byte past any long is as far past the end; it was answered with everything
      ApiResponse farBeyond = api.get(contentUrl(), "Range", "bytes=99999999999999999999-");
      assertProblem(farBeyond, 416, "range-not-satisfiable");
      assertThat(farBeyond.header("Content-Range")).isEqualTo("bytes */" + bytes.length);
    }

    @Test
    void shouldNotServeAPendingArtifact() {
      byte[] content = Fixtures.randomBytes(100);
      ApiResponse pending = declareMegaCache(Descriptors.of(Descriptors.uniqueModel()), content);
      String id = pending.json().get("id").asString();
      assertProblem(api.get(path("/artifacts/" + id + "/content")), 409, "not-ready");
      assertThat(api.get(path("/artifacts/" + id)).json().get("state").asString())
          .isEqualTo("pending");
    }
  }

  @Nested
  class FirstWriterWins {

    final String descriptor = Descriptors.of(Descriptors.uniqueModel());
    final byte[] bytes = Fixtures.randomBytes(10_000);

    @Test
    void shouldAnswerTheExistingArtifactForTheSameContent() {
      JsonNode first = uploadMegaCache(descriptor, bytes).json();
      ApiResponse again = declareMegaCache(descriptor, bytes);
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().get("id").asString()).isEqualTo(first.get("id").asString());
    }

    @Test
    void shouldAnswer409ForOtherContentUnderTheSameKey() {
      JsonNode first = uploadMegaCache(descriptor, bytes).json();
      byte[] other = Fixtures.randomBytes(10_000);
      ApiResponse conflict = declareMegaCache(descriptor, other);
      assertProblem(conflict, 409, "key-conflict");
      assertThat(readyArtifacts(ns, "mega-cache", first.get("key").asString())).isEqualTo(1);
      assertThat(api.get(first.get("downloadUrl").asString()).body()).isEqualTo(bytes);
    }

    @Test
    void shouldAnswerTheReadyArtifactWhenContentIsSentAgain() {
      ApiResponse created = declareMegaCache(descriptor, bytes);
      String uploadUrl = created.json().get("uploadUrl").asString();
      assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);
      double received = counted("pt2cache.transfer.bytes", "direction", "in", "namespace", ns);

      ApiResponse retried = api.putBytes(uploadUrl, bytes);
      assertThat(retried.status()).isEqualTo(200);
      assertThat(retried.json().get("state").asString()).isEqualTo("ready");
      // read to be verified, not stored: received all the same
      assertThat(counted("pt2cache.transfer.bytes", "direction", "in", "namespace", ns))
          .isEqualTo(received + bytes.length);
    }

    @Test
    void shouldRefuseOtherBytesSentAgainToAReadyArtifact() {
      String uploadUrl = declareMegaCache(descriptor, bytes).json().get("uploadUrl").asString();
      assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);

      byte[] flipped = bytes.clone();
      flipped[0] ^= 1;
      assertProblem(api.putBytes(uploadUrl, flipped), 422, "digest-mismatch");
      assertProblem(api.putBytes(uploadUrl, new byte[0]), 422, "size-mismatch");
      assertThat(api.putBytes(uploadUrl, bytes).status()).isEqualTo(200);
    }

    @Test
    void shouldRefuseOtherBytesSentToAReservationThatAnIdenticalUploadBeat() {
      ApiResponse winner = declareMegaCache(descriptor, bytes);
      ApiResponse beaten = declareMegaCache(descriptor, bytes);
      assertThat(beaten.json().get("state").asString()).isEqualTo("pending");
      String beatenUrl = beaten.json().get("uploadUrl").asString();
      assertThat(api.putBytes(winner.json().get("uploadUrl").asString(), bytes).status())
          .isEqualTo(200);

      byte[] flipped = bytes.clone();
      flipped[0] ^= 1;
      assertProblem(api.putBytes(beatenUrl, flipped), 422, "digest-mismatch");
      assertProblem(api.putBytes(beatenUrl, Arrays.copyOf(bytes, 10)), 422, "size-mismatch");
      // refused, the reservation stays pending: the right bytes are answered with the winner
      ApiResponse right = api.putBytes(beatenUrl, bytes);
      assertThat(right.status()).as(right.text()).isEqualTo(200);
      assertThat(right.json().get("id").asString()).isEqualTo(winner.json().get("id").asString());
      assertThat(api.get(path("/artifacts/" + beaten.json().get("id").asString())).status())
          .isEqualTo(404);
    }
  }
}
