package dev.pt2cache.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the requests refer to, made by the operator: a ready artifact, one with a report, a standing
 * rule and an entry, made once; a reservation, bytes and a token to revoke, new for each call.
 */
final class MatrixFixture {

  private final ApiClient operator;
  private final String ns;
  private final String descriptor = Descriptors.of(Descriptors.uniqueModel());
  private String artifact;
  private String reported;
  private String rule;
  private String entry;

  MatrixFixture(ApiClient operator, String ns) {
    this.operator = operator;
    this.ns = ns;
  }

  String ns() {
    return ns;
  }

  String descriptor() {
    return descriptor;
  }

  String path(String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  byte[] bytes() {
    return ("matrix " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
  }

  /** Declares these bytes under a model of their own. */
  MatrixCall declaration(String descriptorOfIt, byte[] bytes) {
    return MatrixCall.post(
        path("/artifacts"),
        Descriptors.upload("mega-cache", descriptorOfIt, Fixtures.sha256(bytes), bytes.length));
  }

  MatrixCall declaration() {
    return declaration(Descriptors.of(Descriptors.uniqueModel()), bytes());
  }

  /** The bytes of a reservation the operator declared. */
  MatrixCall upload() {
    byte[] bytes = bytes();
    return MatrixCall.putBytes(reserve(Descriptors.of(Descriptors.uniqueModel()), bytes), bytes);
  }

  String artifact() {
    if (artifact == null) {
      artifact = ready(descriptor);
    }
    return artifact;
  }

  String reported() {
    if (reported == null) {
      reported = ready(Descriptors.of(Descriptors.uniqueModel()));
      ApiResponse report =
          operator.postJson(
              reported + "/reports", "{\"problem\":\"other\",\"detail\":\"d\",\"node\":\"n0\"}");
      assertThat(report.status()).as(report.text()).isEqualTo(201);
    }
    return reported;
  }

  /** Retires the ready artifact (made first, so that there is something to retire). */
  String invalidation(boolean block) {
    artifact();
    return "{\"selector\":{\"modelName\":\"%s\"},\"reason\":\"matrix\",\"block\":%s}"
        .formatted(modelOf(descriptor), block);
  }

  String rule() {
    if (rule == null) {
      ApiResponse made = operator.postJson(path("/invalidations"), invalidation(true));
      assertThat(made.status()).as(made.text()).isEqualTo(201);
      rule = path("/invalidations/" + made.json().get("id").asString());
    }
    return rule;
  }

  String entry() {
    if (entry == null) {
      entry = path("/entries/fx-graph/k-" + AccessMatrixTest.unique());
      ApiResponse put = operator.putBytes(entry, bytes());
      assertThat(put.status()).as(put.text()).isIn(200, 201);
    }
    return entry;
  }

  String tokenId() {
    ApiResponse made =
        operator.postJson(
            "/v1/tokens",
            "{\"name\":\"r-%s\",\"role\":\"read\"}".formatted(AccessMatrixTest.unique()));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return made.json().get("id").asString();
  }

  /** The upload URL of a reservation of these bytes. */
  private String reserve(String descriptorOfIt, byte[] bytes) {
    ApiResponse declared = declaration(descriptorOfIt, bytes).send(operator);
    assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    return declared.json().get("uploadUrl").asString();
  }

  private String ready(String descriptorOfIt) {
    byte[] bytes = bytes();
    String uploadUrl = reserve(descriptorOfIt, bytes);
    ApiResponse sent = operator.putBytes(uploadUrl, bytes);
    assertThat(sent.status()).as(sent.text()).isEqualTo(200);
    return sent.json().get("id").asString().transform(id -> path("/artifacts/" + id));
  }

  private static String modelOf(String descriptor) {
    Matcher name = Pattern.compile("\"name\": \"([^\"]+)\"").matcher(descriptor);
    assertThat(name.find()).isTrue();
    return name.group(1);
  }
}
