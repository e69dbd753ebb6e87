package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * A database restored from a backup forgets the invalidations made after it: what they retired is
 * served again, and a standing rule made since blocks nothing. The operator re-applies them from
 * the instances' logs (docs/backup-and-restore.md), so each one's line says everything a resend
 * needs: its namespace, its selector as sent and, for a standing rule, until when it blocks.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidationLogTest extends ServiceTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  final String model = Descriptors.uniqueModel();

  @Test
  void shouldLogWhatAResendAfterARestoreNeeds(CapturedOutput output) {
    uploadMegaCache(
        Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"),
        Fixtures.randomBytes(100));

    String once =
        invalidate("{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"r1\"}");
    String rule =
        invalidate(
            "{\"selector\": {\"modelName\": \""
                + model
                + "\", \"modelVersion\": \"2\"}, \"reason\": \"r2\", \"block\": true,"
                + " \"expiresAt\": \"2099-01-01T00:00:00Z\"}");

    assertThat(lineOf(output, once))
        .contains("selector {\"modelName\":\"" + model + "\"}")
        .contains("namespace " + ns)
        .contains("r1");
    assertThat(lineOf(output, rule))
        .contains("selector {\"modelName\":\"" + model + "\",\"modelVersion\":\"2\"}")
        .contains("blocking until 2099-01-01T00:00:00Z")
        .contains("namespace " + ns)
        .contains("r2");
  }

  /**
   * JSON's canonical form leaves DEL, the C1 controls and U+2028/U+2029 as they are, and a reason
   * kept them: NEL (U+0085) and the two separators end a line for many log readers, and CSI
   * (U+009B) starts a terminal's escape. The selector keeps them as JSON escapes (the same selector
   * when resent), the reason as spaces, as it does every other control character.
   */
  @Test
  void shouldKeepTheLineOneLineWhateverTheSelectorAndReasonHold(CapturedOutput output) {
    String odd = model + "\u0085a\u2028b\u2029c\u009b31m\u007f";
    String id =
        invalidate(
            "{\"selector\": {\"modelName\": \""
                + odd.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
                + "\"}, \"reason\": \"r\u0085s\u2028t\u009bu\"}");

    String line = lineOf(output, id);
    assertThat(line)
        .doesNotContain("\u0085", "\u2028", "\u2029", "\u009b", "\u007f")
        .contains("r s t u");
    String selector =
        line.substring(line.indexOf("selector ") + "selector ".length(), line.indexOf("})") + 1);
    assertThat(JSON.readTree(selector).get("modelName").asString())
        .as("the selector as logged, resent, selects the same")
        .isEqualTo(odd);
  }

  /**
   * Each invalidation's line says how many artifacts it retired; a standing rule's line says it
   * blocks matching uploads, and the line of a resend that retired the rest of a cut one says it
   * was sent again. A resend of an invalidation without a rule retires nothing and logs nothing.
   */
  @Test
  void shouldLogWhatEachRetiredAndWhetherItWasSentAgain(CapturedOutput output) {
    String version = "v" + java.util.UUID.randomUUID();
    uploadMegaCache(
        Descriptors.of(model, version, "2.11.0+cu130", "NVIDIA H100 80GB HBM3"),
        Fixtures.randomBytes(100));
    uploadMegaCache(
        Descriptors.of(model, "other", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"),
        Fixtures.randomBytes(100));
    String once =
        "{\"selector\": {\"modelName\": \"%s\", \"modelVersion\": \"%s\"}, \"reason\": \"r1\"}"
            .formatted(model, version);
    String onceId = invalidate(once, "\"once-" + version + "\"");
    assertThat(
            api.postJson(
                    path("/invalidations"), once, "Idempotency-Key", "\"once-" + version + "\"")
                .status())
        .isEqualTo(200);
    String rule =
        "{\"selector\": {\"modelName\": \"%s\"}, \"reason\": \"r2\", \"block\": true}"
            .formatted(model);
    String ruleId = invalidate(rule, "\"rule-" + version + "\"");
    assertThat(
            api.postJson(
                    path("/invalidations"), rule, "Idempotency-Key", "\"rule-" + version + "\"")
                .status())
        .isEqualTo(200);

    assertThat(linesOf(output, onceId))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("invalidation " + onceId + " (namespace " + ns + ", selector ")
        .endsWith(") retired 1 artifacts: r1");
    assertThat(linesOf(output, ruleId))
        .hasSize(2)
        .allSatisfy(
            line ->
                assertThat(line)
                    .contains(
                        ", blocking until lifted) retired 1 artifacts and blocks matching uploads"))
        .satisfiesExactly(
            first -> assertThat(first).endsWith("blocks matching uploads: r2"),
            again -> assertThat(again).endsWith("blocks matching uploads (sent again): r2"));
  }

  /** Lifting a standing rule is logged, so that an operator sees when its blocking stopped. */
  @Test
  void shouldLogTheLiftOfABlockingRuleOnly(CapturedOutput output) {
    String rule =
        invalidate(
            "{\"selector\": {\"modelName\": \""
                + model
                + "\"}, \"reason\": \"r\", \"block\": true}");
    String once =
        invalidate("{\"selector\": {\"modelName\": \"" + model + "\"}, \"reason\": \"r\"}");
    for (String id : new String[] {rule, once}) {
      assertThat(api.postJson(path("/invalidations/" + id + "/lift"), "").status()).isEqualTo(200);
    }

    assertThat(linesOf(output, "rule " + rule))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        // the line grew its caller with ADR 0049 (who lifted it, as the record keeps it)
        .endsWith("invalidation rule " + rule + " lifted by env:PT2CACHE_ADMIN_TOKEN");
    assertThat(linesOf(output, "rule " + once)).isEmpty();
  }

  private String invalidate(String body, String key) {
    ApiResponse response = api.postJson(path("/invalidations"), body, "Idempotency-Key", key);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json().get("id").asString();
  }

  private String invalidate(String body) {
    ApiResponse response = api.postJson(path("/invalidations"), body);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json().get("id").asString();
  }

  /** The message of the line that names the invalidation, from a structured line as from text. */
  private static String lineOf(CapturedOutput output, String id) {
    return linesOf(output, id).stream()
        .findFirst()
        .orElseThrow(() -> new AssertionError("no log line names invalidation " + id));
  }

  /** The messages of every line that names the invalidation, oldest first. */
  private static java.util.List<String> linesOf(CapturedOutput output, String id) {
    return output
        .getOut()
        .lines()
        .map(line -> line.startsWith("{") ? JSON.readTree(line).path("message").asString() : line)
        .filter(line -> line.contains("invalidation " + id))
        .toList();
  }
}
