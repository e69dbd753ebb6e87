package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;

/** JSON answers leave whole, with their length; content still streams at any size. */
class ResponseFramingTest extends ServiceTest {

  @Test
  void shouldAnswerJsonWithItsContentLength() {
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    uploadMegaCache(descriptor, Fixtures.randomBytes(1000));

    ApiResponse hit = api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));

    assertThat(hit.json().get("hit").asBoolean()).isTrue();
    assertWhole(hit);
  }

  @Test
  void shouldAnswerProblemsWithTheirContentLength() {
    ApiResponse problem =
        api.postJson(
            "/v1/namespaces/no-such-namespace/lookups",
            Descriptors.lookup("mega-cache", Descriptors.of(Descriptors.uniqueModel())));

    assertThat(problem.status()).isEqualTo(404);
    assertWhole(problem);
  }

  @Test
  void shouldStreamContentLargerThanAnyBufferWhole() {
    byte[] bytes = Fixtures.randomBytes(3 << 20);
    String url =
        uploadMegaCache(Descriptors.of(Descriptors.uniqueModel()), bytes)
            .json()
            .get("downloadUrl")
            .asString();

    ApiResponse download = api.get(url);

    assertThat(download.body()).isEqualTo(bytes);
    assertWhole(download);
  }

  private static void assertWhole(ApiResponse response) {
    assertThat(response.header("Transfer-Encoding")).isNull();
    assertThat(response.header("Content-Length"))
        .isEqualTo(Integer.toString(response.body().length));
  }
}
