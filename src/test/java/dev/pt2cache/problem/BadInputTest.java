package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invariant 7: bad input gets a clear problem+json answer and changes nothing. */
class BadInputTest extends ServiceTest {

  final byte[] bytes = Fixtures.randomBytes(100);
  final String descriptor = Descriptors.of(Descriptors.uniqueModel());

  @AfterEach
  void nothingChanged() {
    long artifacts =
        jdbc.sql("select count(*) from artifact where namespace = ?")
            .param(ns)
            .query(Long.class)
            .single();
    assertThat(artifacts).as("artifacts created by bad input").isZero();
    assertThat(objectKeys(blobKey(Fixtures.sha256(bytes)))).isEmpty();
  }

  /** A request line sent as it stands (HttpClient refuses a malformed query); the whole answer. */
  String rawGet(String target) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                      + "Connection: close\r\n\r\n")
                  .formatted(target, dev.pt2cache.support.EmbeddedInfra.ADMIN_TOKEN)
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Nested
  class Bodies {

    @Test
    void shouldRefuseMalformedJson() {
      assertProblem(
          api.postJson(path("/artifacts"), "{\"kind\": \"mega-cache\", "),
          400,
          "malformed-request");
    }

    /** A value the contract does not list, or a number too large, is named as such. */
    @Test
    void shouldNameAnUnlistedValueAndANumberOutOfRange() {
      ApiResponse unlisted =
          api.postJson(
              path("/lookups"),
              Descriptors.lookup("mega-cache", descriptor)
                  .replace("\"mega-cache\"", "\"megacache\""));
      assertProblem(unlisted, 400, "malformed-request");
      assertThat(unlisted.json().get("detail").asString()).contains("kind").contains("mega-cache");

      ApiResponse tooLarge = api.putJson(path(""), "{\"maxIdleDays\": 2147483648}");
      assertProblem(tooLarge, 400, "malformed-request");
      assertThat(tooLarge.json().get("detail").asString())
          .contains("maxIdleDays")
          .contains("out of range");

      ApiResponse farOff =
          api.postJson(
              "/v1/tokens",
              "{\"name\":\"far-off\",\"role\":\"read\",\"expiresAt\":99999999999999999999}");
      assertProblem(farOff, 400, "malformed-request");
      assertThat(farOff.json().get("detail").asString())
          .contains("expiresAt has a value of the wrong type")
          .contains("a date and time")
          .doesNotContain("number");
    }

    @Test
    void shouldRefuseWrongTypes() {
      String wrong =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"sha256\": \"%s\", \"sizeBytes\": \"many\"}"
              .formatted(descriptor, Fixtures.sha256(bytes));
      assertProblem(api.postJson(path("/artifacts"), wrong), 400, "malformed-request");
    }

    @Test
    void shouldRefuseAnUnknownKind() {
      assertProblem(
          api.postJson(path("/lookups"), Descriptors.lookup("tensorrt-engine", descriptor)),
          400,
          "malformed-request");
    }

    @Test
    void shouldNameTheMissingFields() {
      String missing = "{\"kind\": \"mega-cache\", \"descriptor\": %s}".formatted(descriptor);
      ApiResponse answer = api.postJson(path("/artifacts"), missing);
      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("errors").valueStream().map(e -> e.get("field").asString()))
          .contains("sha256", "sizeBytes");
    }

    @Test
    void shouldRefuseADescriptorWithoutTheRequiredParts() {
      assertProblem(
          api.postJson(
              path("/lookups"),
              Descriptors.lookup(
                  "mega-cache", "{\"model\": {\"name\": \"m\", \"version\": \"1\"}}")),
          400,
          "invalid-request");
    }

    @Test
    void shouldRefuseAMalformedDigest() {
      assertProblem(
          api.postJson(
              path("/artifacts"),
              Descriptors.upload("mega-cache", descriptor, "ABC", bytes.length)),
          400,
          "invalid-request");
    }

    @Test
    void shouldRefuseADescriptorAddressedUploadWithoutDescriptor() {
      String noDescriptor =
          "{\"kind\": \"mega-cache\", \"key\": \"abc\", \"sha256\": \"%s\", \"sizeBytes\": 100}"
              .formatted(Fixtures.sha256(bytes));
      assertProblem(api.postJson(path("/artifacts"), noDescriptor), 400, "invalid-request");
    }

    @Test
    void shouldRefuseAKeyThatIsNotTheDerivedOne() {
      String otherKey =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"key\": \"abc\", \"sha256\": \"%s\", \"sizeBytes\": 100}"
              .formatted(descriptor, Fixtures.sha256(bytes));
      assertProblem(api.postJson(path("/artifacts"), otherKey), 422, "key-mismatch");
    }

    @Test
    void shouldRefuseAFormBodyWithoutReadingIt() {
      ApiResponse answer =
          api.send(
              api.request(
                      path("/entries/fx-graph/k1"),
                      "Content-Type",
                      "application/x-www-form-urlencoded")
                  .PUT(BodyPublishers.ofString("a=" + "x".repeat(1_000_000)))
                  .build());
      assertThat(answer.status()).isEqualTo(415);
    }

    @Test
    void shouldRefuseAnOversizedJsonBody() {
      String huge =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"padding\": \"%s\"}"
              .formatted(descriptor, "x".repeat(100_000));
      double before = counted("pt2cache.problems", "type", "payload-too-large");
      assertProblem(api.postJson(path("/lookups"), huge), 413, "payload-too-large");
      assertThat(counted("pt2cache.problems", "type", "payload-too-large"))
          .as("refused before Spring MVC, counted all the same")
          .isEqualTo(before + 1);
    }

    @Test
    void shouldRefuseAnOversizedJsonBodySentWithoutItsLength() {
      String huge =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"padding\": \"%s\"}"
              .formatted(descriptor, "x".repeat(100_000));
      ApiResponse answer =
          api.send(
              api.request(path("/lookups"), "Content-Type", "application/json")
                  .POST(
                      BodyPublishers.ofInputStream(
                          () -> new java.io.ByteArrayInputStream(huge.getBytes())))
                  .build());
      assertProblem(answer, 413, "payload-too-large");
    }

    /** A lookup of a small descriptor with these compile settings. */
    ApiResponse lookupCompiledWith(String compile) {
      String described =
          "{\"model\": {\"name\": \"m\", \"version\": \"1\"}, \"software\": {\"torch\": \"2.11.0\"},"
              + " \"hardware\": {\"gpu\": \"NVIDIA H100\"}, \"compile\": %s}";
      return api.postJson(
          path("/lookups"), Descriptors.lookup("mega-cache", described.formatted(compile)));
    }

    /**
     * Jackson would read 1 as true and "" or "null" as absent; a client deriving keys keeps what it
     * sent. The words for true and false are read as booleans, as the contract says.
     */
    @Test
    void shouldRefuseABooleanThatIsNoBoolean() {
      for (String dynamic : new String[] {"1", "0", "\"\"", "\"null\"", "\" true \"", "\"yes\""}) {
        ApiResponse answer = lookupCompiledWith("{\"dynamic\": %s}".formatted(dynamic));
        assertProblem(answer, 400, "malformed-request");
        assertThat(answer.json().get("detail").asString())
            .contains("descriptor.compile.dynamic")
            .contains("true or false");
      }
    }

    /** The contract bounds a tag's value at 200 characters; the generated models do not. */
    @Test
    void shouldRefuseATagValueLongerThanTheContractAllows() {
      String longest = "v".repeat(200);
      String lookup =
          Descriptors.lookup(
              "mega-cache", descriptor.replace("\"driver\": \"580.65\"", "\"driver\": \"%s\""));
      assertThat(api.postJson(path("/lookups"), lookup.formatted(longest)).status()).isEqualTo(200);
      ApiResponse tooLong = api.postJson(path("/lookups"), lookup.formatted(longest + "v"));
      assertProblem(tooLong, 400, "invalid-request");
      assertThat(tooLong.json().get("detail").asString())
          .contains("descriptor.hardware.tags.driver")
          .contains("201");

      ApiResponse rule =
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"tags\": {\"pool\": \"%s\"}}, \"reason\": \"r\"}"
                  .formatted(longest + "v"));
      assertProblem(rule, 400, "invalid-request");
      assertThat(rule.json().get("detail").asString()).contains("selector.tags.pool");
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    /**
     * A reason of several lines, as clients of builds before 2026-12-04 send it and those builds
     * took it, is taken and recorded as one line: a line break logged as it came would forge a log
     * line of its own (ADR 0033).
     */
    @Test
    void shouldRecordAnInvalidationReasonOfSeveralLinesAsOneLine() {
      Map<String, String> recorded =
          Map.of(
              "bad build\\nERROR forged", "bad build ERROR forged",
              "bad\\r", "bad ",
              "bad\\u001b[31m\\tred", "bad [31m\tred");
      recorded.forEach(
          (sent, kept) -> {
            ApiResponse answer =
                api.postJson(
                    path("/invalidations"),
                    "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"%s\"}".formatted(sent));
            assertThat(answer.status()).as(answer.text()).isEqualTo(201);
            assertThat(answer.json().get("reason").asString()).isEqualTo(kept);
          });
      assertThat(api.get(path("/invalidations")).json().get("items"))
          .extracting(item -> item.get("reason").asString())
          .containsExactlyInAnyOrderElementsOf(recorded.values());
    }

    @Test
    void shouldReadTheWordsForTrueAndFalseAsBooleans() {
      String key = lookupCompiledWith("{\"dynamic\": true}").json().get("key").asString();
      assertThat(lookupCompiledWith("{\"dynamic\": \"TRUE\"}").json().get("key").asString())
          .isEqualTo(key);
      assertThat(lookupCompiledWith("{\"dynamic\": \"false\"}").json().get("key").asString())
          .isNotEqualTo(key);
    }

    /**
     * An empty expiry would make a standing rule that never expires, and a null block no standing
     * rule at all.
     */
    @Test
    void shouldRefuseAnEmptyOrNullExpiryOrBlockOfAnInvalidation() {
      for (String members :
          new String[] {
            "\"block\": true, \"expiresAt\": null",
            "\"block\": true, \"expiresAt\": \"\"",
            "\"block\": null"
          }) {
        ApiResponse answer =
            api.postJson(
                path("/invalidations"),
                "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\", %s}".formatted(members));
        assertProblem(answer, 400, "malformed-request");
      }
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    /**
     * A time is a date-time string: Jackson read a number as seconds since 1970, so {@code
     * "expiresAt": 1900000000} made a rule or a token that expires in March 2030 (a client counting
     * milliseconds meant another time altogether).
     */
    @Test
    void shouldRefuseATimeGivenAsANumber() {
      for (String expiry : new String[] {"1900000000", "1900000000.5"}) {
        ApiResponse rule =
            api.postJson(
                path("/invalidations"),
                "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\", \"block\": true,"
                    + " \"expiresAt\": %s}".formatted(expiry));
        assertProblem(rule, 400, "malformed-request");
        assertThat(rule.json().get("detail").asString()).contains("expiresAt");
        ApiResponse token =
            api.postJson(
                "/v1/tokens",
                "{\"name\": \"numeric-%s\", \"role\": \"read\", \"expiresAt\": %s}"
                    .formatted(UUID.randomUUID().toString().substring(0, 8), expiry));
        assertProblem(token, 400, "malformed-request");
      }
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    /** Values with no single canonical form, so no key of their own. */
    @Test
    void shouldRefuseNumbersBeyondADoubleAndUnpairedSurrogates() {
      String[] options = {"1e400", "-1e400", "1" + "0".repeat(400)};
      for (String number : options) {
        ApiResponse answer = lookupCompiledWith("{\"options\": {\"x\": %s}}".formatted(number));
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString()).contains("compile.options.x");
      }
      String surrogate =
          "{\"model\": {\"name\": \"m\", \"version\": \"\\ud800\"}, \"software\": {\"torch\": \"2.11.0\"},"
              + " \"hardware\": {\"gpu\": \"NVIDIA H100\"}}";
      ApiResponse answer =
          api.postJson(
              path("/artifacts"),
              Descriptors.upload("mega-cache", surrogate, Fixtures.sha256(bytes), bytes.length));
      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("model.version");
    }

    @Test
    void shouldRefuseAnotherMediaType() {
      ApiResponse answer =
          api.send(
              api.request(path("/lookups"), "Content-Type", "text/plain")
                  .POST(BodyPublishers.ofString(Descriptors.lookup("mega-cache", descriptor)))
                  .build());
      assertProblem(answer, 415, "unsupported-media-type");
    }

    /**
     * A body sent without a {@code Content-Type} was refused with "Content-Type 'null' is not
     * supported.": a header the client never sent, named by a Java null. The refusal says none was
     * sent, and which type the operation takes.
     */
    @Test
    void shouldSayABodyWithoutAContentTypeNamesNone() {
      ApiResponse lookup =
          api.send(
              api.request(path("/lookups"))
                  .POST(BodyPublishers.ofString(Descriptors.lookup("mega-cache", descriptor)))
                  .build());
      ApiResponse patch =
          api.send(
              api.request(path(""))
                  .method("PATCH", BodyPublishers.ofString("{\"maxIdleDays\": 7}"))
                  .build());

      assertProblem(lookup, 415, "unsupported-media-type");
      assertThat(lookup.json().get("detail").asString())
          .doesNotContain("null")
          .contains("no Content-Type", "application/json");
      assertProblem(patch, 415, "unsupported-media-type");
      assertThat(patch.json().get("detail").asString())
          .doesNotContain("null")
          .contains("no Content-Type", "application/merge-patch+json");
      // an empty one names no type either
      ApiResponse empty =
          api.send(
              api.request(path(""), "Content-Type", "")
                  .method("PATCH", BodyPublishers.ofString("{\"maxIdleDays\": 7}"))
                  .build());
      assertProblem(empty, 415, "unsupported-media-type");
      assertThat(empty.json().get("detail").asString())
          .contains("no Content-Type", "application/merge-patch+json");
      assertThat(api.get(path("")).json().has("maxIdleDays")).isFalse();
    }

    /** An invalidation's body, declared in {@code charset}. */
    ApiResponse invalidateIn(String charset, byte[] body) {
      return api.send(
          api.request(
                  path("/invalidations"), "Content-Type", "application/json; charset=" + charset)
              .POST(BodyPublishers.ofByteArray(body))
              .build());
    }

    /**
     * JSON is UTF-8 (RFC 8259): a body declared in another charset was decoded in it, so the bytes
     * of {@code "caf\u00e9"} in ISO-8859-1, which a UTF-8 reader refuses, recorded a rule for
     * {@code café}.
     */
    @Test
    void shouldRefuseAJsonBodyInAnotherCharset() {
      byte[] latin1 =
          "{\"selector\": {\"modelName\": \"caf\u00e9\"}, \"reason\": \"r\"}"
              .getBytes(StandardCharsets.ISO_8859_1);
      for (String charset : new String[] {"latin1", "ISO-8859-1", "windows-1252"}) {
        ApiResponse answer = invalidateIn(charset, latin1);
        assertProblem(answer, 415, "unsupported-media-type");
        assertThat(answer.json().get("detail").asString()).contains("UTF-8");
      }
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
      // the words name no type: a PATCH's is application/merge-patch+json, not application/json
      ApiResponse patched =
          api.patch(
              path(""), "{\"maxIdleDays\": 3}", "application/merge-patch+json; charset=ISO-8859-1");
      assertProblem(patched, 415, "unsupported-media-type");
      assertThat(patched.json().get("detail").asString())
          .contains("without a charset")
          .doesNotContain("application/json");
    }

    /**
     * UTF-8 is taken however the charset parameter spells it: in any case, by its alias {@code
     * utf8}, or quoted, as RFC 9110 8.3.1 lets a parameter's value be. A charset compared as
     * written would refuse a body that is UTF-8.
     */
    @Test
    void shouldTakeAJsonBodyDeclaredUtf8HoweverTheCharsetIsSpelt() {
      String body = "{\"selector\": {\"modelName\": \"caf\u00e9\"}, \"reason\": \"r\"}";
      for (String charset : new String[] {"UTF-8", "utf-8", "utf8", "\"UTF-8\""}) {
        ApiResponse answer = invalidateIn(charset, body.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).as(charset + ": " + answer.text()).isEqualTo(201);
        assertThat(answer.json().get("selector").get("modelName").asString()).isEqualTo("café");
      }
    }

    /**
     * US-ASCII is a subset of UTF-8, and a JSON body is UTF-8 whatever charset it names (RFC 8259,
     * section 11): a body declared {@code charset=us-ascii} was refused 415, and reading it in
     * US-ASCII would take the bytes of {@code café} as {@code caf} and two replacement characters.
     */
    @Test
    void shouldReadAJsonBodyDeclaredUsAsciiAsUtf8() {
      for (String charset : new String[] {"us-ascii", "US-ASCII", "ascii"}) {
        String body =
            "{\"selector\": {\"modelName\": \"caf\u00e9\"}, \"reason\": \"" + charset + "\"}";
        ApiResponse answer = invalidateIn(charset, body.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        assertThat(answer.json().get("selector").get("modelName").asString()).isEqualTo("café");
      }
    }

    /**
     * The charset of a JSON body is the body's: a request that sends none is served whatever its
     * {@code Content-Type} says, as a client that sets one header for all its calls sends it on a
     * {@code GET} too. Such a {@code GET}, {@code DELETE} or body-less {@code POST} was refused
     * 415.
     */
    @Test
    void shouldServeARequestWithoutBodyWhateverCharsetItsContentTypeNames() {
      String latin1 = "application/json; charset=ISO-8859-1";
      ApiResponse read = api.get(path(""), "Content-Type", latin1);
      assertThat(read.status()).as(read.text()).isEqualTo(200);
      ApiResponse list = api.get(path("/invalidations"), "Content-Type", latin1);
      assertThat(list.status()).as(list.text()).isEqualTo(200);
    }

    /**
     * Two {@code Content-Type} headers are refused as such before any check of what the first one
     * says: with a JSON body over the bound, or the first naming another charset, the answer was
     * {@code 413} or {@code 415}, or {@code 400}, by which header came first and by the order the
     * build's class path gave the filters. So too before the checks of the other headers (a {@code
     * Content-Encoding}, an {@code Accept} that cannot be parsed).
     */
    @Test
    void shouldRefuseTwoContentTypesBeforeCheckingWhatTheFirstSays() {
      String large = "{\"reason\": \"" + "x".repeat(70 * 1024) + "\"}";
      String[][] twice = {
        {"application/json", "text/plain", large},
        {"application/json; charset=ISO-8859-1", "application/json", "{}"},
        {"application/json", "text/plain", "{}", "Content-Encoding", "gzip"},
        {"application/json", "text/plain", "{}", "Accept", "garbage///"}
      };
      for (String[] sent : twice) {
        String[] headers =
            sent.length > 3
                ? new String[] {"Content-Type", sent[0], "Content-Type", sent[1], sent[3], sent[4]}
                : new String[] {"Content-Type", sent[0], "Content-Type", sent[1]};
        ApiResponse answer =
            api.send(
                api.request(path("/invalidations"), headers)
                    .POST(BodyPublishers.ofString(sent[2]))
                    .build());
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString()).contains("one Content-Type header");
      }
    }

    /**
     * The first of two {@code Content-Type} headers was taken: a declaration sent as JSON and as
     * text was declared, the same two the other way round refused, and bytes sent as octets and as
     * JSON were stored as an entry.
     */
    @Test
    void shouldRefuseTwoContentTypesWhicheverComesFirst() {
      String declaration =
          Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length);
      String[][] twice = {
        {"application/json", "text/plain"},
        {"text/plain", "application/json"},
        {"application/json", "application/json"},
        {"application/json; charset=us-ascii", "text/plain"}
      };
      for (String[] types : twice) {
        ApiResponse answer =
            api.send(
                api.request(path("/artifacts"), "Content-Type", types[0], "Content-Type", types[1])
                    .POST(BodyPublishers.ofString(declaration))
                    .build());
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString()).contains("one Content-Type header");
      }
      ApiResponse entry =
          api.send(
              api.request(
                      path("/entries/fx-graph/two-types"),
                      "Content-Type",
                      "application/octet-stream",
                      "Content-Type",
                      "application/json")
                  .PUT(BodyPublishers.ofByteArray(bytes))
                  .build());
      assertProblem(entry, 400, "invalid-request");
      assertThat(entry.json().get("detail").asString()).contains("one Content-Type header");
    }

    /**
     * A body with a {@code Content-Encoding} was taken as it came: gzipped bytes stored as the
     * entry itself, and a plain JSON body said to be gzipped read as JSON.
     */
    @Test
    void shouldRefuseAnEncodedBody() throws IOException {
      ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
      try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
        gzip.write(bytes);
      }
      ApiResponse entry =
          api.putBytes(
              path("/entries/fx-graph/gzipped"), gzipped.toByteArray(), "Content-Encoding", "gzip");
      ApiResponse declaration =
          api.postJson(
              path("/artifacts"),
              Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length),
              "Content-Encoding",
              "gzip");

      // over the JSON bound as sent: its length is the coding's, the coding is what to change
      ApiResponse oversized =
          api.postJson(
              path("/lookups"),
              "{\"padding\": \"" + "x".repeat(70 * 1024) + "\"}",
              "Content-Encoding",
              "gzip");
      // sent in chunks, without a Content-Length
      ApiResponse streamed =
          api.putStream(
              path("/entries/fx-graph/gzipped-in-chunks"),
              () -> new ByteArrayInputStream(gzipped.toByteArray()),
              "Content-Encoding",
              "gzip");

      for (ApiResponse answer : new ApiResponse[] {entry, declaration, oversized, streamed}) {
        assertProblem(answer, 415, "unsupported-media-type");
        assertThat(answer.json().get("detail").asString()).contains("Content-Encoding");
        assertThat(answer.header("Accept-Encoding")).as("Accept-Encoding").isEqualTo("identity");
      }
      // RFC 9110 12.5.3: a 415 for anything but a content coding must not say Accept-Encoding
      ApiResponse otherType =
          api.putBytes(path("/entries/fx-graph/typed"), bytes, "Content-Type", "text/plain");
      assertProblem(otherType, 415, "unsupported-media-type");
      assertThat(otherType.header("Accept-Encoding")).as("Accept-Encoding").isNull();
    }

    /**
     * {@code identity}, the coding that changes nothing, is taken in any case (RFC 9110 8.4.1: a
     * coding's name is case-insensitive) and as an empty member of the list; any other coding is
     * refused wherever it stands, after {@code identity} in one header or in a second header.
     */
    @Test
    void shouldTakeTheIdentityCodingAloneWhereverItIsNamed() {
      String invalidation = "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\"}";
      for (String coding : new String[] {"identity", "Identity", ", identity"}) {
        ApiResponse answer =
            api.postJson(path("/invalidations"), invalidation, "Content-Encoding", coding);
        assertThat(answer.status()).as(coding + ": " + answer.text()).isEqualTo(201);
      }
      String[][] encoded = {
        {"Content-Encoding", "identity, gzip"},
        {"Content-Encoding", "identity", "Content-Encoding", "gzip"}
      };
      for (String[] headers : encoded) {
        ApiResponse answer = api.postJson(path("/invalidations"), invalidation, headers);
        assertProblem(answer, 415, "unsupported-media-type");
        assertThat(answer.header("Accept-Encoding")).as("Accept-Encoding").isEqualTo("identity");
      }
    }

    /**
     * A request without a body has no content to decode: a {@code GET} sent with {@code
     * Content-Encoding: gzip}, as a client that sets one header for all its calls sends it, was
     * refused 415.
     */
    @Test
    void shouldServeARequestWithoutBodyWhateverContentEncodingItNames() {
      ApiResponse read = api.get(path(""), "Content-Encoding", "gzip");
      assertThat(read.status()).as(read.text()).isEqualTo(200);
      ApiResponse list = api.get(path("/invalidations"), "Content-Encoding", "gzip");
      assertThat(list.status()).as(list.text()).isEqualTo(200);
    }

    /**
     * The contract's own headers of one value, given twice, were joined into one by a comma: two
     * {@code Idempotency-Key}s {@code a} and {@code b} recorded an invalidation under the key
     * {@code a,b}, which neither one alone names again; two digests or two descriptors of an entry
     * were refused in words that named neither the header nor its being given twice.
     */
    @Test
    void shouldRefuseTheContractsOwnHeadersGivenTwice() {
      String invalidation = "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\"}";
      for (String[] keys : new String[][] {{"key-a", "key-b"}, {"key-a", "key-a"}}) {
        ApiResponse answer =
            api.postJson(
                path("/invalidations"),
                invalidation,
                "Idempotency-Key",
                keys[0],
                "Idempotency-Key",
                keys[1]);
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString()).contains("one Idempotency-Key header");
      }
      assertThat(api.get(path("/invalidations")).json().get("items")).as("recorded").isEmpty();

      String sha256 = Fixtures.sha256(bytes);
      Map<String, String> entryHeaders =
          Map.of("X-Content-SHA256", sha256, "X-Pt2cache-Descriptor", descriptor.replace("\n", ""));
      entryHeaders.forEach(
          (name, value) -> {
            ApiResponse answer =
                api.putBytes(
                    path("/entries/fx-graph/twice-" + name), bytes, name, value, name, value);
            assertProblem(answer, 400, "invalid-request");
            assertThat(answer.json().get("detail").asString()).contains("one " + name + " header");
          });
    }
  }

  /** A misspelt member would be dropped and the call answered as if it had been left out. */
  @Nested
  class MisspeltFields {

    @Test
    void shouldRefuseAMisspeltDescriptorField() {
      String misspelt =
          descriptor.replace("\"software\": {", "\"software\": {\"cdua\": \"12.8\", ");
      assertThat(misspelt).contains("cdua");
      ApiResponse answer =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", misspelt));
      assertProblem(answer, 400, "malformed-request");
      assertThat(answer.json().get("detail").asString())
          .contains("descriptor.software.cdua")
          .contains("cuda");
      assertThat(answer.json().get("errors").get(0).get("field").asString())
          .isEqualTo("descriptor.software.cdua");
    }

    @Test
    void shouldRefuseAMisspeltSelectorFieldAndRecordNothing() {
      ApiResponse answer =
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"modelName\": \"resnet50\", \"torchVersion\": \"2.4.0\"},"
                  + " \"reason\": \"miscompile\", \"block\": true}");
      assertProblem(answer, 400, "malformed-request");
      assertThat(answer.json().get("detail").asString()).contains("selector.torchVersion");
      long recorded =
          jdbc.sql("select count(*) from invalidation where namespace = ?")
              .param(ns)
              .query(Long.class)
              .single();
      assertThat(recorded).as("invalidations recorded").isZero();
    }

    @Test
    void shouldKeepTheQuotaWhenASettingIsMisspelt() {
      assertThat(api.putJson(path(""), "{\"quotaBytes\": 1000000}").status()).isEqualTo(200);
      assertProblem(api.putJson(path(""), "{\"quota_bytes\": 5}"), 400, "malformed-request");
      assertThat(api.get(path("")).json().get("quotaBytes").asLong()).isEqualTo(1_000_000);
    }

    /**
     * A quota or idle limit given as an empty, blank or "null" string was read as null, which
     * clears the limit; a fraction was cut to a whole number. Both are refused, and the setting
     * stays as it was.
     */
    @Test
    void shouldRefuseALimitThatIsNoWholeNumberAndKeepTheOldOne() {
      assertThat(api.putJson(path(""), "{\"quotaBytes\": 1000000, \"maxIdleDays\": 7}").status())
          .isEqualTo(200);
      for (String members :
          new String[] {
            "\"quotaBytes\": \"\"",
            "\"quotaBytes\": \"  \"",
            "\"quotaBytes\": \"null\"",
            "\"quotaBytes\": \"5\"",
            "\"quotaBytes\": 5.0",
            "\"quotaBytes\": 1e3",
            "\"maxIdleDays\": 1.9",
            "\"maxIdleDays\": \"\"",
            "\"invalidateAfterReports\": 2.5"
          }) {
        ApiResponse answer = api.putJson(path(""), "{" + members + "}");
        assertProblem(answer, 400, "malformed-request");
        assertThat(answer.json().get("detail").asString())
            .as(members)
            .contains(members.substring(1, members.indexOf('"', 1)))
            .contains("whole number");
      }
      var settings = api.get(path("")).json();
      assertThat(settings.get("quotaBytes").asLong()).isEqualTo(1_000_000);
      assertThat(settings.get("maxIdleDays").asInt()).isEqualTo(7);
    }

    @Test
    void shouldRefuseAMemberNamedTwice() {
      String twice =
          "{\"selector\": {\"modelName\": \"resnet50\", \"modelName\": \"gpt2\"},"
              + " \"reason\": \"miscompile\"}";
      ApiResponse answer = api.postJson(path("/invalidations"), twice);
      assertProblem(answer, 400, "malformed-request");
      assertThat(answer.json().get("detail").asString()).contains("modelName");
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownTopLevelField() {
      String extra =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"sha256\": \"%s\", \"sizeBytes\": 100, \"size\": 100}"
              .formatted(descriptor, Fixtures.sha256(bytes));
      ApiResponse answer = api.postJson(path("/artifacts"), extra);
      assertProblem(answer, 400, "malformed-request");
      assertThat(answer.json().get("errors").get(0).get("field").asString()).isEqualTo("size");
    }
  }

  /** Values that are well-formed JSON but that PostgreSQL cannot store. */
  @Nested
  class Values {

    static final String NUL = "\\u0000";

    final String nulDescriptor =
        "{\"model\": {\"name\": \"m%sx\", \"version\": \"1\"}, \"software\": {\"torch\": \"2.11.0\"},"
                .formatted(NUL)
            + " \"hardware\": {\"gpu\": \"NVIDIA H100\"}}";

    @Test
    void shouldRefuseANulInALookupWithoutCountingIt() {
      double before = counted("pt2cache.lookups", "namespace", ns, "result", "miss");

      ApiResponse answer =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", nulDescriptor));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("U+0000").contains("model.name");
      assertThat(counted("pt2cache.lookups", "namespace", ns, "result", "miss")).isEqualTo(before);
    }

    @Test
    void shouldRefuseANulAnywhereInAnUploadOrAnEntryDescriptor() {
      String inOptionName =
          "{\"model\": {\"name\": \"m\", \"version\": \"1\"}, \"software\": {\"torch\": \"2.11.0\"},"
              + " \"hardware\": {\"gpu\": \"NVIDIA H100\"}, \"compile\": {\"options\": {\"a%sb\": true}}}"
                  .formatted(NUL);
      assertProblem(
          api.postJson(
              path("/artifacts"),
              Descriptors.upload("mega-cache", inOptionName, Fixtures.sha256(bytes), bytes.length)),
          400,
          "invalid-request");
      assertProblem(
          api.putBytes(path("/entries/fx-graph/k1"), bytes, "X-Pt2cache-Descriptor", nulDescriptor),
          400,
          "invalid-request");
    }

    @Test
    void shouldRefuseANulInAnInvalidationOrAFilterAndRecordNothing() {
      assertProblem(
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"modelName\": \"a%sb\"}, \"reason\": \"r\"}".formatted(NUL)),
          400,
          "invalid-request");
      assertProblem(
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r%s\"}".formatted(NUL)),
          400,
          "invalid-request");
      assertProblem(api.get(path("/artifacts?modelName=a%00b")), 400, "invalid-request");
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    @Test
    void shouldRefuseExpiriesInThePastOrBeyondYear9999() {
      String farRule =
          "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\", \"block\": true,"
              + " \"expiresAt\": \"+300000-01-01T00:00:00Z\"}";
      String pastRule =
          "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\", \"block\": true,"
              + " \"expiresAt\": \"2020-01-01T00:00:00Z\"}";
      assertProblem(api.postJson(path("/invalidations"), farRule), 400, "invalid-request");
      assertProblem(api.postJson(path("/invalidations"), pastRule), 400, "invalid-request");
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
      String farToken =
          "{\"name\": \"far-%s\", \"role\": \"read\", \"expiresAt\": \"+300000-01-01T00:00:00Z\"}"
              .formatted(UUID.randomUUID().toString().substring(0, 8));
      assertProblem(api.postJson("/v1/tokens", farToken), 400, "invalid-request");
    }

    @Test
    void shouldRefuseAForgedCursor() {
      String forged =
          java.util.Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(("-9000000000000000000." + UUID.randomUUID()).getBytes());
      assertProblem(api.get(path("/artifacts?cursor=" + forged)), 400, "invalid-request");
    }
  }

  @Nested
  class Paths {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "a..b", // no ".." anywhere in a key
          "%2e%2e", // "..", encoded
          "a%2Fb", // an encoded slash
          "-starts-with-dash",
          "spaces%20inside",
          "a%00b"
        })
    void shouldRefuseKeysWithForbiddenCharacters(String key) {
      ApiResponse answer = api.putBytes(path("/entries/fx-graph/" + key), bytes);
      assertThat(answer.status()).as(answer.text()).isEqualTo(400);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    }

    /**
     * A job or kind the contract does not list, in a path or a query, is named with the ones it
     * does.
     */
    @Test
    void shouldNameAnUnlistedValueInAPathOrQueryAndTheValuesListed() {
      ApiResponse job = api.postJson("/v1/housekeeping/jobs/nosuch/runs", "");
      assertProblem(job, 400, "invalid-request");
      assertThat(job.json().get("detail").asString())
          .contains("job 'nosuch' is not a value the contract lists")
          .contains("purge")
          .contains("reconcile");

      ApiResponse listed = api.get("/v1/housekeeping/runs?job=bogus");
      assertProblem(listed, 400, "invalid-request");
      assertThat(listed.json().get("detail").asString()).contains("'bogus'").contains("retention");
    }

    @Test
    void shouldRefuseAnOverlongKey() {
      assertProblem(
          api.putBytes(path("/entries/fx-graph/" + "k".repeat(257)), bytes),
          400,
          "invalid-request");
    }

    @Test
    void shouldNotLetASlashOrDotSegmentReachAnotherResource() {
      assertProblem(api.putBytes(path("/entries/fx-graph/a/b"), bytes), 404, "not-found");
      assertProblem(api.putBytes(path("/entries/fx-graph/../../x"), bytes), 404, "not-found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Upper", "under_score", "dot.ted", "-dash", "..", "%2e%2e", "a%2Fb"})
    void shouldNeverReachANamespaceByABadName(String name) {
      ApiResponse answer =
          api.postJson(
              "/v1/namespaces/" + name + "/lookups", Descriptors.lookup("mega-cache", descriptor));
      assertThat(answer.status()).isIn(400, 404);
      assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
    }

    /**
     * A name that breaks the naming rule names no namespace: reading or using it is the 404 of any
     * unknown namespace (DESIGN), creating one under it a 400 that states the rule.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Upper", "under_score", "dot.ted", "-dash"})
    void shouldAnswerANameNoNamespaceCanHaveAsUnknown(String name) {
      assertProblem(api.get("/v1/namespaces/" + name), 404, "namespace-not-found");
      ApiResponse lookup =
          api.postJson(
              "/v1/namespaces/" + name + "/lookups", Descriptors.lookup("mega-cache", descriptor));
      assertProblem(lookup, 404, "namespace-not-found");
      assertThat(lookup.json().get("detail").asString()).contains(name).contains("lowercase");
      assertThat(api.head("/v1/namespaces/" + name + "/entries/fx-graph/abc").status())
          .isEqualTo(404);

      ApiResponse create = api.putJson("/v1/namespaces/" + name, "{}");
      assertProblem(create, 400, "invalid-request");
      assertThat(api.get("/v1/namespaces/" + name).status()).isEqualTo(404);
    }

    @Test
    void shouldRefuseAnUnknownKindInThePath() {
      assertProblem(api.get(path("/entries/tensorrt/abc")), 400, "invalid-request");
    }

    /**
     * Kinds, states and jobs are their lower-case wire names only: the upper-case names of their
     * constants ({@code FX_GRAPH}) were taken as the value, as bodies never were, so that a PUT
     * stored an entry and a POST ran a job under a name the contract does not list.
     */
    @Test
    void shouldRefuseTheNameOfAConstantForAKindStateOrJob() {
      ApiResponse entry = api.putBytes(path("/entries/FX_GRAPH/abc"), bytes);
      assertProblem(entry, 400, "invalid-request");
      assertThat(entry.json().get("detail").asString())
          .contains("kind 'FX_GRAPH' is not a value the contract lists")
          .contains("fx-graph");
      assertProblem(api.get(path("/entries/FX_GRAPH/abc")), 400, "invalid-request");
      assertProblem(api.get(path("/artifacts?kind=MEGA_CACHE")), 400, "invalid-request");
      assertProblem(api.get(path("/artifacts?state=READY")), 400, "invalid-request");
      assertProblem(api.get("/v1/housekeeping/runs?job=RETENTION"), 400, "invalid-request");
      assertProblem(
          api.postJson("/v1/housekeeping/jobs/RETENTION/runs", ""), 400, "invalid-request");
    }

    /**
     * A query's integer is decimal digits and its boolean {@code true} or {@code false}: Spring
     * read {@code limit=0x1}, {@code #1}, {@code +1} and {@code 1 0} (as 10) as numbers, and {@code
     * reported=yes}, {@code on} and {@code 1} as true, each with a 200.
     */
    @Test
    void shouldRefuseAQueryNumberOrBooleanInAnyOtherForm() {
      for (String limit : new String[] {"0x1", "0X1", "%231", "%2B1", "%201", "1%200", "1%09"}) {
        ApiResponse answer = api.get("/v1/namespaces?limit=" + limit);
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString())
            .as(limit)
            .startsWith("limit '")
            .endsWith("' is not a whole number: give it in decimal digits, such as 50");
      }
      for (String reported : new String[] {"yes", "on", "1", "0", "no", "off", "%20true"}) {
        ApiResponse answer = api.get(path("/artifacts?reported=" + reported));
        assertProblem(answer, 400, "invalid-request");
        assertThat(answer.json().get("detail").asString()).endsWith("' is not true or false");
      }
      assertThat(api.get("/v1/namespaces?limit=1").json().get("items")).hasSize(1);
      assertThat(api.get(path("/artifacts?reported=true&limit=5")).status()).isEqualTo(200);
      assertThat(api.get(path("/artifacts?reported=false")).status()).isEqualTo(200);
    }

    /**
     * Tomcat drops a path's parameters ({@code ;v=2}, {@code ;jsessionid=...}) before Spring sees
     * the path, so {@code PUT .../entries/fx-graph/abc;v=2} stored an entry under {@code abc}, a
     * key the caller did not send and the contract's pattern for keys does not allow.
     */
    @Test
    void shouldRefuseAPathWithParameters() {
      assertProblem(api.putBytes(path("/entries/fx-graph/abc;v=2"), bytes), 400, "invalid-request");
      assertProblem(api.get(path(";jsessionid=0123")), 400, "invalid-request");
      assertProblem(api.get("/v1/namespaces;x=1/" + ns + "/artifacts"), 400, "invalid-request");
      assertThat(api.get(path("/entries/fx-graph/abc")).status()).isEqualTo(404);
      // outside the API too: the contract's path with one is not the contract's
      assertProblem(api.get("/openapi.yaml;v=2"), 400, "invalid-request");
    }

    /**
     * A path whose {@code /v1/} is percent-encoded ({@code /%761/...}) reaches the same operation,
     * and got past every check of an API call: a gzipped entry was stored, two Idempotency-Keys
     * recorded an invalidation under both joined, and the call had no access line and no {@code
     * X-Request-Id}.
     */
    @Test
    void shouldCheckACallWhosePathIsPercentEncodedAsAnyOther() {
      ApiResponse gzipped =
          api.putBytes(
              path("/entries/fx-graph/encoded").replaceFirst("^/v1/", "/%761/"),
              bytes,
              "Content-Encoding",
              "gzip");
      assertProblem(gzipped, 415, "unsupported-media-type");
      assertThat(gzipped.header("X-Request-Id")).as("X-Request-Id").isNotNull();
      ApiResponse twice =
          api.postJson(
              path("/invalidations").replaceFirst("^/v1/", "/v%31/"),
              "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\"}",
              "Idempotency-Key",
              "key-a",
              "Idempotency-Key",
              "key-b");
      assertProblem(twice, 400, "invalid-request");
      assertThat(api.get(path("/invalidations")).json().get("items")).as("recorded").isEmpty();
    }

    /**
     * A path no operation has (a trailing slash, a doubled one, another case) is a 404 that names
     * the path as asked and where the paths are, not Spring's "No static resource ...".
     */
    @Test
    void shouldNameThePathNoOperationIsAt() {
      for (String absent : new String[] {path("/"), "/v1//namespaces/" + ns, "/V1/namespaces"}) {
        ApiResponse answer = api.get(absent);
        assertProblem(answer, 404, "not-found");
        assertThat(answer.json().get("detail").asString())
            .as(absent)
            .isEqualTo(
                "no operation of this API is at GET "
                    + absent
                    + ": the operations and their paths are in /openapi.yaml");
      }
    }
  }

  @Nested
  class UnknownThings {

    /** Tomcat decodes the query only when a parameter is first asked for, past every filter. */
    @Test
    void shouldRefuseAQueryStringThatCannotBeDecoded() throws Exception {
      for (String query : new String[] {"modelName=resnet50%", "tag=mem:80%zz", "=x"}) {
        String answer = rawGet(path("/artifacts?" + query));
        assertThat(answer)
            .startsWith("HTTP/1.1 400")
            .contains("urn:pt2cache:problem:invalid-request");
      }
    }

    /**
     * A misspelt filter that was dropped listed the whole namespace; an unknown parameter on an
     * upload is refused before anything is reserved.
     */
    @Test
    void shouldRefuseAQueryParameterTheOperationDoesNotDeclare() {
      ApiResponse listing = api.get(path("/artifacts?model_name=resnet50&limit=5"));
      assertProblem(listing, 400, "invalid-request");
      assertThat(listing.json().get("detail").asString())
          .contains("unknown query parameter model_name")
          .contains("modelName")
          .contains("cursor");

      String upload =
          "{\"kind\": \"mega-cache\", \"descriptor\": %s, \"sha256\": \"%s\", \"sizeBytes\": %d}"
              .formatted(descriptor, Fixtures.sha256(bytes), bytes.length);
      ApiResponse reserved = api.postJson(path("/artifacts?overwrite=true"), upload);
      assertProblem(reserved, 400, "invalid-request");
      assertThat(reserved.json().get("detail").asString())
          .contains("overwrite")
          .contains("takes none");

      assertThat(api.get(path("/artifacts?modelName=resnet50&limit=5")).status()).isEqualTo(200);
      assertThat(api.get(path("/artifacts?model%4Eame=resnet50")).status())
          .as("a name percent-encoded is the same name")
          .isEqualTo(200);
    }

    @Test
    void shouldAnswerTheErrorPathAsAnyUnknownPath() {
      for (String method : new String[] {"GET", "POST"}) {
        ApiResponse answer =
            api.send(api.request("/error").method(method, BodyPublishers.noBody()).build());
        assertThat(answer.status()).isIn(404, 405);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
      }
    }

    @Test
    void shouldAnswer404ForAnUnknownNamespace() {
      assertProblem(
          api.postJson(
              "/v1/namespaces/" + ns + "-nope/artifacts",
              Descriptors.upload("mega-cache", descriptor, Fixtures.sha256(bytes), bytes.length)),
          404,
          "namespace-not-found");
    }

    @Test
    void shouldAnswer404ForAnUnknownArtifact() {
      assertProblem(api.get(path("/artifacts/" + UUID.randomUUID())), 404, "artifact-not-found");
      assertProblem(
          api.putBytes(path("/artifacts/" + UUID.randomUUID() + "/content"), bytes),
          404,
          "artifact-not-found");
    }

    @Test
    void shouldAnswer404ForAnIdThatIsNoUuid() {
      assertProblem(api.get(path("/artifacts/not-a-uuid")), 404, "artifact-not-found");
      assertProblem(api.get(path("/artifacts/not-a-uuid/content")), 404, "artifact-not-found");
      assertProblem(
          api.postJson(path("/invalidations/not-a-uuid/lift"), "{}"),
          404,
          "invalidation-not-found");
      assertProblem(api.delete("/v1/tokens/not-a-uuid"), 404, "token-not-found");
    }

    /**
     * An id is a UUID in its 36-character form: a path's id with a space before it revoked the
     * token, and 24 characters of base64 in a selector were read as the UUID of their bytes.
     */
    @Test
    void shouldTakeAnIdInItsOwnFormOnly() {
      String id =
          api.postJson(
                  "/v1/tokens",
                  "{\"name\": \"ids-%s\", \"role\": \"read\"}"
                      .formatted(UUID.randomUUID().toString().substring(0, 8)))
              .json()
              .get("id")
              .asString();
      assertProblem(api.delete("/v1/tokens/%20" + id), 404, "token-not-found");
      assertThat(api.delete("/v1/tokens/" + id).status()).as("not yet revoked").isEqualTo(200);

      String base64 =
          java.util.Base64.getEncoder()
              .encodeToString(
                  java.nio.ByteBuffer.allocate(16)
                      .putLong(UUID.randomUUID().getMostSignificantBits())
                      .putLong(7)
                      .array());
      ApiResponse rule =
          api.postJson(
              path("/invalidations"),
              "{\"selector\": {\"artifactIds\": [\"%s\"]}, \"reason\": \"r\"}".formatted(base64));
      assertProblem(rule, 400, "malformed-request");
      assertThat(rule.json().get("detail").asString())
          .contains("selector.artifactIds[0]")
          .contains("a UUID");
      assertThat(api.get(path("/invalidations")).json().get("items")).isEmpty();
    }

    @Test
    void shouldAnswer405ForAnUnsupportedMethod() {
      ApiResponse answer =
          api.send(api.request(path("")).method("DELETE", BodyPublishers.noBody()).build());
      assertThat(answer.status()).isEqualTo(405);
      assertThat(answer.json().get("type").asString())
          .isEqualTo("urn:pt2cache:problem:method-not-allowed");
    }
  }
}
