package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** What must hold after every step, read through the API and the store. */
final class Invariants {

  private Invariants() {}

  static void check(ApiClient api, WalkModel model, String ns, Predicate<String> storeHolds) {
    Map<String, JsonNode> listed = checkListing(api, ns, storeHolds);
    Map<String, String> states = new HashMap<>();
    listed.forEach((id, a) -> states.put(id, a.get("state").asString()));
    Map<String, String> expected = new HashMap<>();
    for (Art a : model.in(ns)) {
      if (a.state != State.GONE) {
        expected.put(a.id, a.state.name().toLowerCase(Locale.ROOT));
      }
    }
    assertThat(states).as("the states listed in %s", ns).isEqualTo(expected);
    List<Art> ready = model.in(ns, State.READY);
    List<JsonNode> readyListed =
        listed.values().stream().filter(a -> a.get("state").asString().equals("ready")).toList();
    assertThat(readyListed.size()).isEqualTo(ready.size());
    assertThat(readyListed.stream().mapToLong(a -> a.get("sizeBytes").asLong()).sum())
        .isEqualTo(ready.stream().mapToLong(a -> a.size).sum());
    assertThat(readyListed.stream().filter(a -> a.path("reportCount").asInt() > 0).count())
        .isEqualTo(ready.stream().filter(a -> !a.reporters.isEmpty()).count());
  }

  /**
   * What holds of a namespace whatever the model says, and what a concurrent walk checks at each
   * point where its workers have joined: one ready artifact per kind and key, a stored object
   * behind each, and the namespace's count, bytes and reported artifacts those of its ready ones.
   * Answers the listing, by id.
   */
  static Map<String, JsonNode> checkListing(
      ApiClient api, String ns, Predicate<String> storeHolds) {
    Map<String, JsonNode> listed = listing(api, ns);
    Set<String> readyKeys = new HashSet<>();
    long bytes = 0;
    int count = 0;
    int reported = 0;
    for (JsonNode a : listed.values()) {
      if (!a.get("state").asString().equals("ready")) {
        continue;
      }
      String kindKey = a.get("kind").asString() + "/" + a.get("key").asString();
      assertThat(readyKeys.add(kindKey)).as("two ready artifacts under %s", kindKey).isTrue();
      String sha = a.get("sha256").asString();
      assertThat(storeHolds.test(sha)).as("ready %s has no object in the store", sha).isTrue();
      bytes += a.get("sizeBytes").asLong();
      count++;
      if (a.path("reportCount").asInt() > 0) {
        reported++;
      }
    }
    ApiResponse namespace = api.get("/v1/namespaces/" + ns);
    assertThat(namespace.status()).as(namespace.text()).isEqualTo(200);
    JsonNode usage = namespace.json();
    assertThat(usage.get("artifactCount").asInt()).as(namespace.text()).isEqualTo(count);
    assertThat(usage.get("storedBytes").asLong()).as(namespace.text()).isEqualTo(bytes);
    assertThat(usage.get("reportedArtifacts").asInt()).as(namespace.text()).isEqualTo(reported);
    return listed;
  }

  private static Map<String, JsonNode> listing(ApiClient api, String ns) {
    Map<String, JsonNode> all = new HashMap<>();
    String base = "/v1/namespaces/" + ns + "/artifacts?limit=500";
    String url = base;
    while (url != null) {
      ApiResponse page = api.get(url);
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      for (JsonNode item : page.json().get("items")) {
        assertThat(all.put(item.get("id").asString(), item)).as("listed twice").isNull();
      }
      url =
          page.json().has("nextCursor")
              ? base + "&cursor=" + page.json().get("nextCursor").asString()
              : null;
    }
    return all;
  }
}
