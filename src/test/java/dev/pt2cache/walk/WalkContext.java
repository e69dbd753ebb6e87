package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * What every step of a walk shares: the service, the {@link WalkModel}, the walk's two namespaces,
 * its contents and callers, and who calls in the step being played.
 */
final class WalkContext {

  static final List<Desc> DESCS =
      List.of(
          new Desc(
              "walk-a", "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3", "sha256:a0", null, "3.12.3"),
          new Desc(
              "walk-a", "2", "2.11.0+cu130", "NVIDIA H100 80GB HBM3", "sha256:a0", null, "3.12.3"),
          new Desc(
              "walk-b",
              "1",
              "2.12.0+rocm7.0",
              "AMD Instinct MI300X",
              "sha256:b1",
              "7.0.2",
              "3.13.1"));
  static final List<String> ENTRY_KEYS =
      List.of(
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3a",
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3b",
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3c");
  static final String ENTRY_KIND = "fx-graph";
  static final String MEGA = "mega-cache";

  /** How often each kind of step got each answer, to show what a walk reached. */
  static final Map<String, Integer> REACHED = new TreeMap<>();

  final ApiClient api;
  final Predicate<String> storeHolds;
  final TimeTravel time;
  final List<byte[]> contents = new ArrayList<>();
  final WalkModel model = new WalkModel();
  final List<String> nsNames = new ArrayList<>();
  final List<Caller> callers = new ArrayList<>();

  /** Who calls in the step being played, and what kind of step it is. */
  Caller who;

  Kind current;

  /**
   * Makes the contents from the seed, two fresh namespaces and a token of each role, and learns the
   * keys derived from the descriptors.
   */
  WalkContext(ApiClient api, Predicate<String> storeHolds, TimeTravel time, long seed) {
    this.time = time;
    this.api = api;
    this.storeHolds = storeHolds;
    Random bytes = new Random(seed ^ 0x5DEECE66DL);
    for (int i = 0; i < 5; i++) {
      byte[] content = new byte[i == 0 ? 0 : 100 + bytes.nextInt(1400)];
      bytes.nextBytes(content);
      contents.add(content);
    }
    for (int i = 0; i < 2; i++) {
      String name = "w-" + UUID.randomUUID().toString().substring(0, 12);
      ApiResponse created = api.putJson("/v1/namespaces/" + name, "{}");
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      nsNames.add(name);
      model.namespaces.put(name, new Ns(name));
    }
    callers.add(new Caller("env:PT2CACHE_ADMIN_TOKEN", api, null, Caller.OPERATOR));
    callers.add(token("read", nsNames.get(0), Caller.READ));
    callers.add(token("write", nsNames.get(0), Caller.WRITE));
    callers.add(token("admin", nsNames.get(0), Caller.ADMIN));
    callers.add(token("write", nsNames.get(1), Caller.WRITE));
    // the keys derived from the descriptors, learnt while nothing is stored (a lookup that hits
    // would count as a use)
    DESCS.forEach(desc -> learnKey(desc, keyOf(nsNames.get(0), desc)));
  }

  private Caller token(String role, String ns, int level) {
    String name = "walk-" + UUID.randomUUID().toString().substring(0, 8) + "-" + role;
    ApiResponse made =
        api.postJson(
            "/v1/tokens",
            "{\"name\": \"%s\", \"namespace\": \"%s\", \"role\": \"%s\"}"
                .formatted(name, ns, role));
    assertThat(made.status()).as(made.text()).isEqualTo(201);
    return new Caller(name, api.withToken(made.json().get("token").asString()), ns, level);
  }

  /** The client of who calls in this step. */
  ApiClient caller() {
    return who.client();
  }

  void reached(String what) {
    REACHED.merge(current + " " + what, 1, Integer::sum);
  }

  /**
   * An artifact's state as the service has it ({@code gone} where it answers 404), for what the
   * model cannot say: a decision taken within a moment of its limit.
   */
  String stateOf(Art art) {
    ApiResponse answer = api.get(path(art.ns, "/artifacts/" + art.id));
    if (answer.status() == 404) {
      return "gone";
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return answer.json().get("state").asString();
  }

  String path(String ns, String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  private String keyOf(String ns, Desc desc) {
    ApiResponse answer =
        api.postJson(path(ns, "/lookups"), Descriptors.lookup(MEGA, descriptorJson(desc)));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return answer.json().get("key").asString();
  }

  void learnKey(Desc desc, String key) {
    String known = model.derivedKeys.putIfAbsent(desc, key);
    assertThat(key).as("the key of %s", desc).isEqualTo(known == null ? key : known);
    assertThat(model.derivedKeys.entrySet())
        .filteredOn(e -> !e.getKey().equals(desc) && e.getValue().equals(key))
        .as("another descriptor derived the same key")
        .isEmpty();
  }

  byte[] contentOf(String sha) {
    return contents.stream().filter(c -> Fixtures.sha256(c).equals(sha)).findFirst().orElseThrow();
  }

  static String descriptorJson(Desc desc) {
    String platform =
        desc.rocm() == null ? "\"cuda\": \"13.0\"" : "\"rocm\": \"%s\"".formatted(desc.rocm());
    return """
        {"model": {"name": "%s", "version": "%s", "fingerprint": "%s"},
         "software": {"torch": "%s", "triton": "3.6.0", %s, "python": "%s"},
         "hardware": {"gpu": "%s", "capability": "9.0", "tags": {"driver": "580.65"}},
         "compile": {"backend": "inductor", "mode": "default", "dynamic": false}}
        """
        .formatted(
            desc.model(),
            desc.version(),
            desc.fingerprint(),
            desc.torch(),
            platform,
            desc.python(),
            desc.gpu());
  }

  static void assertProblem(ApiResponse response, int status, String type) {
    assertThat(response.status()).as(response.text()).isEqualTo(status);
    assertThat(response.json().get("type").asString())
        .as(response.text())
        .isEqualTo("urn:pt2cache:problem:" + type);
  }
}
