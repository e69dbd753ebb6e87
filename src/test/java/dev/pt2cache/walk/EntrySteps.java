package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.DESCS;
import static dev.pt2cache.walk.WalkContext.ENTRY_KEYS;
import static dev.pt2cache.walk.WalkContext.ENTRY_KIND;
import static dev.pt2cache.walk.WalkContext.descriptorJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Op;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The steps that put an entry's bytes (with a descriptor or without) and get or head an entry. */
final class EntrySteps {

  private final WalkContext walk;
  private final WalkModel model;

  EntrySteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void putEntry(String ns, Op op) {
    String key = ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size());
    byte[] bytes = walk.contents.get(op.b() % walk.contents.size());
    Desc desc = op.c() % 3 == 0 ? null : DESCS.get(op.c() % 3);
    String sha = Fixtures.sha256(bytes);
    // ADR 0019: the entries face takes no lease
    Set<Declared> allowed =
        EnumSet.copyOf(model.declare(ns, ENTRY_KIND, key, desc, sha, bytes.length, false));
    if (allowed.remove(Declared.DEDUP) | allowed.remove(Declared.PENDING)) {
      allowed.add(Declared.STORED);
    }
    ApiResponse answer =
        desc == null
            ? walk.caller().putBytes(walk.path(ns, "/entries/" + ENTRY_KIND + "/" + key), bytes)
            : walk.caller()
                .putBytes(
                    walk.path(ns, "/entries/" + ENTRY_KIND + "/" + key),
                    bytes,
                    "X-Pt2cache-Descriptor",
                    descriptorJson(desc).replaceAll("\\s+", " ").strip());
    Declared seen = UploadSteps.classify(answer, allowed);
    walk.reached(seen.name());
    if (seen == Declared.SAME) {
      assertThat(answer.json().get("id").asString())
          .isEqualTo(model.readyUnder(ns, ENTRY_KIND, key).orElseThrow().id);
    } else if (seen == Declared.STORED) {
      assertThat(answer.json().get("state").asString()).isEqualTo("ready");
      model.makeReady(
          model.add(
              answer.json().get("id").asString(), ns, ENTRY_KIND, key, desc, sha, bytes.length));
    }
  }

  void getEntry(String ns, String key, boolean head) {
    String url = walk.path(ns, "/entries/" + ENTRY_KIND + "/" + key);
    Optional<Art> ready = model.readyUnder(ns, ENTRY_KIND, key);
    ApiResponse answer = head ? walk.caller().head(url) : walk.caller().get(url);
    walk.reached(String.valueOf(answer.status()));
    if (ready.isEmpty()) {
      assertThat(answer.status()).as(answer.text()).isEqualTo(404);
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.header("ETag")).isEqualTo("\"" + ready.get().sha + "\"");
    if (!head) {
      assertThat(Fixtures.sha256(answer.body())).isEqualTo(ready.get().sha);
      model.used(ready.get());
    }
  }
}
