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

  private String invalidate(String body) {
    ApiResponse response = api.postJson(path("/invalidations"), body);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json().get("id").asString();
  }

  /** The message of the line that names the invalidation, from a structured line as from text. */
  private static String lineOf(CapturedOutput output, String id) {
    return output
        .getOut()
        .lines()
        .map(line -> line.startsWith("{") ? JSON.readTree(line).path("message").asString() : line)
        .filter(line -> line.contains("invalidation " + id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no log line names invalidation " + id));
  }
}
