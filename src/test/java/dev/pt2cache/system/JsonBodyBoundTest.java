package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which bodies the 64 KiB JSON bound applies to, by their media type as Spring reads it: a JSON
 * body however its type is written (parameters, case, a {@code +json} suffix) is refused with a
 * {@code 413} problem; an upload's bytes are never cut by it, whatever a parameter of their type
 * says, and a type that only has "json" in its name is not JSON. The filter matched "json" anywhere
 * in the header: an entry sent as {@code application/octet-stream; name="graph.json"} got {@code
 * 413 payload-too-large} instead of being stored, and {@code application/x-notjson-stream} was told
 * that JSON bodies are limited instead of {@code 415}.
 */
class JsonBodyBoundTest extends ServiceTest {

  private static final String PADDING = "x".repeat(100_000);

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "APPLICATION/JSON;CHARSET=UTF-8"
      })
  void shouldRefuseAnOversizedJsonBodyHoweverItsTypeIsWritten(String type) {
    ApiResponse answer =
        api.send(
            api.request(path("/lookups"), "Content-Type", type)
                .POST(BodyPublishers.ofString("{\"padding\": \"" + PADDING + "\"}"))
                .build());

    assertProblem(answer, 413, "payload-too-large");
  }

  /**
   * A body of exactly the bound is read, with its length or in chunks; one byte more is refused.
   * The JSON is padded with the whitespace it allows after its value.
   */
  @Test
  void shouldReadAJsonBodyOfExactlyTheBoundAndRefuseOneByteMore() {
    String invalidation = "{\"selector\": {\"modelName\": \"m\"}, \"reason\": \"r\"}";
    for (int length : new int[] {JsonBodyLimitFilter.LIMIT, JsonBodyLimitFilter.LIMIT + 1}) {
      byte[] body =
          (invalidation + " ".repeat(length - invalidation.length()))
              .getBytes(StandardCharsets.US_ASCII);
      for (BodyPublisher sent :
          new BodyPublisher[] {
            BodyPublishers.ofByteArray(body),
            BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
          }) {
        ApiResponse answer =
            api.send(
                api.request(path("/invalidations"), "Content-Type", "application/json")
                    .POST(sent)
                    .build());
        if (length == JsonBodyLimitFilter.LIMIT) {
          assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        } else {
          assertProblem(answer, 413, "payload-too-large");
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"application/merge-patch+json", "Application/Merge-Patch+JSON"})
  void shouldRefuseAnOversizedMergePatch(String type) {
    ApiResponse answer = api.patch(path(""), "{\"description\": \"" + PADDING + "\"}", type);

    assertProblem(answer, 413, "payload-too-large");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "application/octet-stream; name=\"graph.json\"",
        "application/octet-stream;x=json"
      })
  void shouldStoreAnUploadWhateverAParameterOfItsTypeSays(String type) {
    byte[] bytes = Fixtures.randomBytes(100_000);

    ApiResponse answer =
        api.send(
            api.request(path("/entries/fx-graph/k1"), "Content-Type", type)
                .PUT(BodyPublishers.ofByteArray(bytes))
                .build());

    assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    assertThat(api.get(path("/entries/fx-graph/k1")).body()).isEqualTo(bytes);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"application/x-notjson-stream", "text/jsonish"})
  void shouldAnswerAnUploadOfAnotherTypeAsUnsupportedNotAsTooLargeJson(String type) {
    ApiResponse answer =
        api.send(
            api.request(path("/entries/fx-graph/k1"), "Content-Type", type)
                .PUT(BodyPublishers.ofByteArray(Fixtures.randomBytes(100_000)))
                .build());

    assertThat(answer.status()).as(answer.text()).isEqualTo(415);
  }
}
