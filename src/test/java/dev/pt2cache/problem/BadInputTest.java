package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.UUID;
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

  @Nested
  class Bodies {

    @Test
    void shouldRefuseMalformedJson() {
      assertProblem(
          api.postJson(path("/artifacts"), "{\"kind\": \"mega-cache\", "),
          400,
          "malformed-request");
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
      assertProblem(api.postJson(path("/lookups"), huge), 413, "payload-too-large");
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
      String misses = "[^}]*namespace=\"" + ns + "\"[^}]*result=\"miss\"[^}]*";
      double before = metric("pt2cache_lookups_total", misses);

      ApiResponse answer =
          api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", nulDescriptor));

      assertProblem(answer, 400, "invalid-request");
      assertThat(answer.json().get("detail").asString()).contains("U+0000").contains("model.name");
      assertThat(metric("pt2cache_lookups_total", misses)).isEqualTo(before);
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
    void shouldRefuseBadNamespaceNames(String name) {
      assertProblem(
          api.postJson(
              "/v1/namespaces/" + name + "/lookups", Descriptors.lookup("mega-cache", descriptor)),
          400,
          "invalid-request");
    }

    @Test
    void shouldRefuseAnUnknownKindInThePath() {
      assertProblem(api.get(path("/entries/tensorrt/abc")), 400, "invalid-request");
    }
  }

  @Nested
  class UnknownThings {

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
    void shouldAnswer400ForAnIdThatIsNoUuid() {
      assertProblem(api.get(path("/artifacts/not-a-uuid")), 400, "invalid-request");
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
