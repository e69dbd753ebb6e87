package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArtifactListTest extends ServiceTest {

  final String model = Descriptors.uniqueModel();
  final List<String> ids = new ArrayList<>();

  @BeforeEach
  void storeSeveralBuilds() {
    store(Descriptors.of(model, "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"));
    store(Descriptors.of(model, "2", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"));
    store(Descriptors.of(model, "2", "2.10.0+cu128", "NVIDIA H100 80GB HBM3"));
    store(Descriptors.of(model, "2", "2.11.0+cu130", "NVIDIA A100-SXM4-80GB"));
    store(
        Descriptors.of(model, "3", "2.11.0+cu130", "NVIDIA H100 80GB HBM3")
            .replace("\"driver\": \"580.65\"", "\"driver\": \"570.10\""));
  }

  @Test
  void shouldListNewestFirst() {
    assertThat(ids(api.get(path("/artifacts")))).containsExactlyElementsOf(newestFirst());
  }

  @Test
  void shouldFilterByDescriptorFields() {
    assertThat(ids(api.get(path("/artifacts?modelName=" + model + "&modelVersion=2")))).hasSize(3);
    assertThat(ids(api.get(path("/artifacts?torch=2.10.0%2Bcu128")))).containsExactly(ids.get(2));
    assertThat(ids(api.get(path("/artifacts?gpu=NVIDIA%20A100-SXM4-80GB"))))
        .containsExactly(ids.get(3));
    assertThat(ids(api.get(path("/artifacts?tag=driver:570.10")))).containsExactly(ids.get(4));
    assertThat(ids(api.get(path("/artifacts?kind=mega-cache&state=ready")))).hasSize(5);
    assertThat(ids(api.get(path("/artifacts?state=invalidated")))).isEmpty();
  }

  /** A key alone finds it under every kind, as the entries of PyTorch's caches can share one. */
  @Test
  void shouldFindAKeyUnderEveryKindWhenNoKindIsGiven() {
    String key = "shared-" + UUID.randomUUID();
    for (String kind : List.of("fx-graph", "autotune")) {
      ApiResponse put = api.putBytes(path("/entries/" + kind + "/" + key), Fixtures.randomBytes(9));
      assertThat(put.status()).as(put.text()).isEqualTo(201);
    }
    ApiResponse both = api.get(path("/artifacts?key=" + key));
    assertThat(ids(both)).hasSize(2);
    assertThat(both.json().get("items").valueStream().map(a -> a.get("kind").asString()))
        .containsExactlyInAnyOrder("fx-graph", "autotune");
    assertThat(ids(api.get(path("/artifacts?key=" + key + "&kind=autotune")))).hasSize(1);
    assertThat(ids(api.get(path("/artifacts?key=" + key + "x")))).isEmpty();
  }

  /** A comma in a tag's value is part of it, as the contract reads a query value. */
  @Test
  void shouldFindATagWhoseValueHoldsACommaByThatValue() {
    store(
        Descriptors.of(model, "4", "2.11.0+cu130", "NVIDIA H100 80GB HBM3")
            .replace("\"driver\": \"580.65\"", "\"features\": \"fp8,tf32\""));
    assertThat(ids(api.get(path("/artifacts?tag=features:fp8,tf32")))).containsExactly(ids.get(5));
    assertThat(ids(api.get(path("/artifacts?tag=features:fp8")))).isEmpty();
  }

  /** A tag's name may be as long as the filter allows, and a value may hold a line break. */
  @Test
  void shouldFindATagByTheLongestNameAllowedAndAValueOfTwoLines() {
    String longest = "n".repeat(100);
    store(
        Descriptors.of(model, "4", "2.11.0+cu130", "NVIDIA H100 80GB HBM3")
            .replace("\"driver\": \"580.65\"", "\"" + longest + "\": \"a\\nb\""));
    assertThat(ids(api.get(path("/artifacts?tag=" + longest + ":a%0Ab"))))
        .containsExactly(ids.get(5));
  }

  /**
   * Names are free (fleets stored artifacts under any): one with a colon is looked up and
   * invalidated as any other, though {@code ?tag=} cannot name it.
   */
  @Test
  void shouldServeAndInvalidateByATagNameWithAColon() {
    String descriptor =
        Descriptors.of(model, "4", "2.11.0+cu130", "NVIDIA H100 80GB HBM3")
            .replace("\"driver\"", "\"gpu:0\"");
    store(descriptor);
    ApiResponse lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    assertThat(lookup.json().get("hit").asBoolean()).isTrue();

    ApiResponse retired =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"tags\": {\"gpu:0\": \"580.65\"}}, \"reason\": \"r\"}");
    assertThat(retired.status()).as(retired.text()).isEqualTo(201);
    assertThat(retired.json().get("invalidated").asLong()).isEqualTo(1);
  }

  /** Repeated, the parameter requires every tag it names; a name given twice is refused. */
  @Test
  void shouldRequireEveryTagGivenAndRefuseATagNamedTwice() {
    store(
        Descriptors.of(model, "4", "2.11.0+cu130", "NVIDIA H100 80GB HBM3")
            .replace("\"driver\": \"580.65\"", "\"driver\": \"570.10\", \"pool\": \"b\""));
    assertThat(ids(api.get(path("/artifacts?tag=driver:570.10&tag=pool:b"))))
        .containsExactly(ids.get(5));

    ApiResponse twice = api.get(path("/artifacts?tag=driver:570.10&tag=driver:580.65"));
    assertThat(twice.status()).isEqualTo(400);
    assertThat(twice.json().get("type").asString())
        .isEqualTo("urn:pt2cache:problem:invalid-request");
    assertThat(twice.json().get("detail").asString()).contains("\"driver\" twice");
  }

  @Test
  void shouldPageThroughEverythingWithCursors() {
    List<List<String>> pages = pages("/artifacts", 2, "id");
    List<String> seen = pages.stream().flatMap(List::stream).toList();
    assertThat(pages).hasSize(3);
    assertThat(seen).containsExactlyElementsOf(newestFirst());
  }

  @Test
  void shouldRefuseACursorItDidNotIssue() {
    assertProblem(api.get(path("/artifacts?cursor=bm90LWEtY3Vyc29y")), 400, "invalid-request");
  }

  private List<String> newestFirst() {
    List<String> reversed = new ArrayList<>(ids);
    Collections.reverse(reversed);
    return reversed;
  }

  private void store(String descriptor) {
    ids.add(uploadMegaCache(descriptor, Fixtures.randomBytes(64)).json().get("id").asString());
  }

  private static List<String> ids(ApiResponse page) {
    assertThat(page.status()).as(page.text()).isEqualTo(200);
    return page.json().get("items").valueStream().map(a -> a.get("id").asString()).toList();
  }
}
