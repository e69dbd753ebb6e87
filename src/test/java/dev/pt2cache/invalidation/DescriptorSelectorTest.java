package dev.pt2cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Selectors by the descriptor's ROCm and Python versions and its model fingerprint: what an AMD
 * fleet needs to retire what a bad ROCm release built, and an operator to retire one model
 * fingerprint, without listing ids by hand. Mega-Caches and entries that carry their descriptor
 * (ADR 0016) are matched alike.
 */
class DescriptorSelectorTest extends ServiceTest {

  static final String BAD = "bad";
  static final String GOOD = "good";

  final String model = Descriptors.uniqueModel();

  /** An AMD node's descriptor; {@code which} sets its ROCm, Python and fingerprint apart. */
  String descriptor(String which) {
    return """
        {"model": {"name": "%s", "version": "1", "fingerprint": "%s"},
         "software": {"torch": "2.7.0+rocm6.4", "triton": "3.3.0", "rocm": "%s", "python": "%s"},
         "hardware": {"gpu": "AMD Instinct MI300X", "capability": "9.4"}}
        """
        .formatted(
            model, value("modelFingerprint", which), value("rocm", which), value("python", which));
  }

  static String value(String member, String which) {
    return switch (member) {
      case "rocm" -> BAD.equals(which) ? "6.4.1" : "6.4.2";
      case "python" -> BAD.equals(which) ? "3.12.3" : "3.12.4";
      default -> BAD.equals(which) ? "sha256:bad0" : "sha256:good1";
    };
  }

  String putEntry(String which) {
    String entry = path("/entries/fx-graph/k-" + UUID.randomUUID());
    ApiResponse put =
        api.putBytes(
            entry,
            Fixtures.randomBytes(300),
            BlockingRuleTest.DESCRIPTOR,
            BlockingRuleTest.oneLine(descriptor(which)));
    assertThat(put.status()).as(put.text()).isEqualTo(201);
    return entry;
  }

  /** A stored Mega-Cache of the descriptor {@code which} names: its id. */
  String upload(String which) {
    return uploadMegaCache(descriptor(which), Fixtures.randomBytes(500))
        .json()
        .get("id")
        .asString();
  }

  String state(String id) {
    return api.get(path("/artifacts/" + id)).json().get("state").asString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocm", "python", "modelFingerprint"})
  void shouldRetireExactlyTheArtifactsAndEntriesThatMatch(String member) {
    String bad = upload(BAD);
    String good = upload(GOOD);
    String badEntry = putEntry(BAD);
    String goodEntry = putEntry(GOOD);

    String wanted = value(member, BAD);
    ApiResponse listed = api.get(path("/artifacts?state=ready&" + member + "=" + wanted));
    assertThat(listed.status()).as(listed.text()).isEqualTo(200);
    assertThat(listed.json().get("items").size()).as(listed.text()).isEqualTo(2);

    ApiResponse done =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"%s\": \"%s\"}, \"reason\": \"bad build\"}"
                .formatted(member, wanted));
    assertThat(done.status()).as(done.text()).isEqualTo(201);
    assertThat(done.json().get("invalidated").asLong()).isEqualTo(2);
    assertThat(done.json().get("selector").get(member).asString()).isEqualTo(wanted);

    assertThat(state(bad)).isEqualTo("invalidated");
    assertThat(state(good)).isEqualTo("ready");
    assertProblem(api.get(badEntry), 404, "artifact-not-found");
    assertThat(api.get(goodEntry).status()).isEqualTo(200);
  }

  /** A standing rule by ROCm refuses the bad release's later uploads, and never serves its work. */
  @Test
  void shouldKeepRefusingWhatARocmRuleMatches() {
    String stored = upload(BAD);
    ApiResponse rule =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"rocm\": \"6.4.1\"}, \"reason\": \"miscompiles\", \"block\": true}");
    assertThat(rule.status()).as(rule.text()).isEqualTo(201);
    assertThat(rule.json().get("invalidated").asLong()).isEqualTo(1);

    ApiResponse later = declareMegaCache(descriptor(BAD), Fixtures.randomBytes(600));
    assertProblem(later, 409, "blocked-by-rule");
    assertThat(later.json().get("detail").asString()).contains(rule.json().get("id").asString());
    assertProblem(
        api.putBytes(
            path("/entries/fx-graph/k-" + UUID.randomUUID()),
            Fixtures.randomBytes(300),
            BlockingRuleTest.DESCRIPTOR,
            BlockingRuleTest.oneLine(descriptor(BAD))),
        409,
        "blocked-by-rule");
    assertThat(declareMegaCache(descriptor(GOOD), Fixtures.randomBytes(600)).status())
        .isEqualTo(201);

    // as if it slipped past (restored from a backup, say): still not served
    jdbc.sql("update artifact set state = 'READY' where id = ?::uuid").param(stored).update();
    JsonNode lookup =
        api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor(BAD))).json();
    assertThat(lookup.get("hit").asBoolean()).as(lookup.toString()).isFalse();
    assertThat(lookup.get("miss").get("reason").asString()).isEqualTo("blocked");
  }

  /** As every other member: null is refused (it would widen the selector), and so is "". */
  @ParameterizedTest
  @ValueSource(strings = {"rocm", "python", "modelFingerprint"})
  void shouldRefuseANullOrEmptyMember(String member) {
    String stored = upload(BAD);
    ApiResponse nullMember =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"%s\": null, \"modelName\": \"%s\"}, \"reason\": \"r\"}"
                .formatted(member, model));
    assertProblem(nullMember, 400, "malformed-request");
    assertThat(nullMember.json().get("detail").asString()).contains(member);
    ApiResponse empty =
        api.postJson(
            path("/invalidations"),
            "{\"selector\": {\"%s\": \"\", \"modelName\": \"%s\"}, \"reason\": \"r\"}"
                .formatted(member, model));
    assertProblem(empty, 400, "invalid-request");

    assertThat(state(stored)).isEqualTo("ready");
    assertThat(api.get(path("/invalidations")).json().get("items").isEmpty()).isTrue();
  }
}
