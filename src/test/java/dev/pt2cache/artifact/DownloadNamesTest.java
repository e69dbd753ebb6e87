package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What an operator's download is saved as: {@code curl -OJ} and a browser (Swagger UI's "Download
 * file") take the name from {@code Content-Disposition}. Without one, an artifact's content was
 * saved as {@code content}, and an entry whose key ends in what Spring MVC takes for an unknown
 * file extension ({@code model.bin}) as {@code f.txt}, from the {@code inline;filename=f.txt} its
 * guard against reflected file downloads added.
 */
class DownloadNamesTest extends ServiceTest {

  final String key = "model-" + UUID.randomUUID() + ".bin";
  final byte[] bytes = Fixtures.randomBytes(1000);

  @Test
  void shouldNameAnEntrysBytesAfterItsKey() {
    String entry = path("/entries/fx-graph/" + key);
    ApiResponse stored = api.putBytes(entry, bytes);
    assertThat(stored.status()).as(stored.text()).isEqualTo(201);
    String named = "attachment; filename=\"%s\"; filename*=UTF-8''%s".formatted(key, key);

    ApiResponse whole = api.get(entry);
    ApiResponse part = api.get(entry, "Range", "bytes=10-19");
    ApiResponse described = api.head(entry);

    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.headers().get("Content-Disposition")).isEqualTo(List.of(named));
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.headers().get("Content-Disposition")).isEqualTo(List.of(named));
    assertThat(described.status()).isEqualTo(200);
    assertThat(described.headers().get("Content-Disposition"))
        .as("a HEAD describes what the GET would send")
        .isEqualTo(List.of(named));
    assertThat(api.get(entry, "If-None-Match", whole.header("ETag")).status()).isEqualTo(304);
  }

  @Test
  void shouldNameAnArtifactsContentAfterItsId() {
    String id =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("id")
            .asString();
    String content = path("/artifacts/" + id + "/content");
    String named = "attachment; filename=\"%s\"; filename*=UTF-8''%s".formatted(id, id);

    assertThat(api.get(content).headers().get("Content-Disposition")).isEqualTo(List.of(named));
    assertThat(api.get(content, "Range", "bytes=0-0").headers().get("Content-Disposition"))
        .isEqualTo(List.of(named));
    assertThat(api.head(content).headers().get("Content-Disposition")).isEqualTo(List.of(named));
  }

  /**
   * A key holds {@code :} (PyTorch's own keys do), which RFC 8187 percent-encodes in {@code
   * filename*}; the quoted {@code filename} keeps it, for clients that read only that one (curl).
   */
  @Test
  void shouldQuoteAKeyAsTheContractAllowsIt() {
    String colons = "pt2:fx-graph-v1::f" + UUID.randomUUID().toString().replace("-", "") + ":c1";
    String entry = path("/entries/fx-graph/" + colons);
    assertThat(api.putBytes(entry, bytes).status()).isEqualTo(201);

    assertThat(api.get(entry).headers().get("Content-Disposition"))
        .isEqualTo(
            List.of(
                "attachment; filename=\"%s\"; filename*=UTF-8''%s"
                    .formatted(colons, colons.replace(":", "%3A"))));
  }

  /**
   * A key that would break out of the header's quoted name, add a parameter or a header, or name a
   * path is no key the contract allows: refused before anything is looked up, and nothing is named
   * after it.
   */
  @Test
  void shouldRefuseAKeyThatWouldBreakTheNameOutOfItsQuotes() {
    for (String hostile :
        List.of(
            "a%22.bin", // "
            "a%3Bfilename%3Dx.exe", // ;filename=x.exe
            "mod%C3%A9l.bin", // é
            "a%0D%0AX-Injected:%201.bin", // CRLF and a header
            "a%5C..%5Cevil.bin", // \..\
            "..bin")) {
      ApiResponse refused = api.get(path("/entries/fx-graph/" + hostile));
      assertThat(refused.status()).as("%s: %s", hostile, refused.text()).isEqualTo(400);
      assertThat(refused.json().get("type").asString())
          .as("%s: a key outside the contract's rule, or a path the service does not read", hostile)
          .isIn("urn:pt2cache:problem:invalid-request", "urn:pt2cache:problem:malformed-request");
      assertThat(refused.headers()).as(hostile).doesNotContainKeys("X-Injected", "x-injected");
      assertThat(refused.headers().getOrDefault("content-disposition", List.of()))
          .as("%s: a problem is no attachment", hostile)
          .noneMatch(value -> value.startsWith("attachment"));
    }
  }

  /**
   * Where a later contract let such names in, the header would still hold one name: quotes and
   * backslashes escaped, CR and LF dropped, a {@code ;} inside the quotes, and a name outside ASCII
   * in {@code filename*} with an ASCII one beside it for clients that read only {@code filename}.
   */
  @Test
  void shouldKeepAnyNameInsideItsParameter() {
    assertThat(ContentResponses.attachment("a\"b\\c.bin").toString())
        .isEqualTo("attachment; filename=\"a\\\"b\\\\c.bin\"; filename*=UTF-8''a%22b%5Cc.bin");
    assertThat(ContentResponses.attachment("a;filename=x.exe").toString())
        .isEqualTo(
            "attachment; filename=\"a;filename=x.exe\"; filename*=UTF-8''a%3Bfilename%3Dx.exe");
    assertThat(ContentResponses.attachment("a\r\nX-Injected: 1.bin").toString())
        .doesNotContain("\r", "\n")
        .startsWith("attachment; filename=\"aX-Injected: 1.bin\"; filename*=UTF-8''a");
    assertThat(ContentResponses.attachment("modél-中.bin").toString())
        .isEqualTo(
            "attachment; filename=\"model-_.bin\"; filename*=UTF-8''mod%C3%A9l-%E4%B8%AD.bin");
  }

  /**
   * A problem answered under an entry's path is not saved under the entry's name: {@code curl -OJ}
   * of a missing {@code model.bin} leaves no JSON behind as {@code model.bin}.
   */
  @Test
  void shouldNameNoProblemAfterTheKey() {
    ApiResponse missing = api.get(path("/entries/fx-graph/" + key));

    assertProblem(missing, 404, "artifact-not-found");
    assertThat(missing.headers().getOrDefault("content-disposition", List.of()))
        .noneMatch(value -> value.startsWith("attachment"));
  }
}
