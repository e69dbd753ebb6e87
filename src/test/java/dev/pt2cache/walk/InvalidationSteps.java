package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.DESCS;
import static dev.pt2cache.walk.WalkContext.ENTRY_KEYS;
import static dev.pt2cache.walk.WalkContext.ENTRY_KIND;
import static dev.pt2cache.walk.WalkContext.MEGA;
import static dev.pt2cache.walk.WalkContext.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The steps that invalidate by every kind of selector, with a standing block or without, resend an
 * invalidation under its Idempotency-Key (same body or changed), and lift a rule.
 */
final class InvalidationSteps {

  private final WalkContext walk;
  private final WalkModel model;

  /** Invalidations sent with an Idempotency-Key: the key and the body, to resend. */
  private final List<Keyed> keyed = new ArrayList<>();

  InvalidationSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  private Sel selector(String ns, Op op) {
    Desc desc = DESCS.get(op.b() % 3);
    Sel none = Sel.NONE;
    return switch (op.a() % 12) {
      case 0 -> none.withKind(op.b() % 2 == 0 ? MEGA : ENTRY_KIND);
      case 1 -> none.withKey(ENTRY_KEYS.get(op.b() % ENTRY_KEYS.size()));
      case 2 -> none.withSha256(Fixtures.sha256(walk.contents.get(op.b() % walk.contents.size())));
      case 3 -> none.withModel(desc.model(), null);
      case 4 -> none.withKind(MEGA).withModel(desc.model(), desc.version());
      case 5 -> none.withTorch(desc.torch());
      case 6 -> none.withGpu(desc.gpu());
      case 7 -> none.withKind(MEGA).withKey(model.derivedKeys.get(desc));
      case 8 -> none.withMember("modelFingerprint", desc.fingerprint());
      case 9 -> none.withMember("rocm", desc.selectable("rocm"));
      case 10 -> none.withKind(ENTRY_KIND).withMember("python", desc.python());
      default -> {
        List<Art> known = model.in(ns);
        yield known.isEmpty()
            ? none.withKind(ENTRY_KIND)
            : none.withIds(List.of(known.get(op.c() % known.size()).id));
      }
    };
  }

  void invalidate(String ns, Op op, boolean block) {
    Sel sel = selector(ns, op);
    // a standing rule that expires by itself, within minutes to days
    Long expiresIn = block && op.c() % 3 == 0 ? 60_000L + (op.b() * 7919L % 200_000) * 1000 : null;
    Long expiresAt = expiresIn == null ? null : model.now() + expiresIn;
    String body = body(sel, block, expiresAt);
    boolean withKey = op.c() % 2 == 0;
    String idempotencyKey = "walk-" + UUID.randomUUID();
    String url = walk.path(ns, "/invalidations");
    ApiResponse answer =
        withKey
            ? walk.caller().postJson(url, body, "Idempotency-Key", idempotencyKey)
            : walk.caller().postJson(url, body);
    List<Art> matched = model.matches(ns, sel);
    assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    assertThat(answer.json().get("invalidated").asInt())
        .as("%s retires %s", answer.text(), matched)
        .isEqualTo(matched.size());
    String by = sel.member() == null ? "" : "by " + sel.member() + " ";
    walk.reached(by + (matched.isEmpty() ? "none" : "some"));
    matched.forEach(a -> model.retire(a, State.INVALIDATED));
    String id = answer.json().get("id").asString();
    model.rules.put(id, new Rule(id, ns, sel, block, matched.size(), expiresAt));
    if (withKey) {
      keyed.add(new Keyed(ns, idempotencyKey, body, id));
    }
  }

  /**
   * An invalidation sent with an Idempotency-Key, to send again as it was: the key recorded the
   * request's digest, which time passing leaves as it was, as it leaves a client's retry.
   */
  private record Keyed(String ns, String key, String body, String id) {}

  /**
   * The request's body; an expiry is written as the instant the service stores, which is the
   * model's less the time the walk made pass (the walk moves stored times back instead).
   */
  private String body(Sel sel, boolean block, Long expiresAt) {
    String expiry =
        expiresAt == null
            ? ""
            : ", \"expiresAt\": \"%s\""
                .formatted(Instant.ofEpochMilli(expiresAt - model.advanced()));
    return "{\"selector\": %s, \"reason\": \"walk\", \"block\": %s%s}"
        .formatted(selectorJson(sel), block, expiry);
  }

  void resend(String ns, Op op) {
    List<Keyed> sent = keyed.stream().filter(k -> k.ns().equals(ns)).toList();
    if (sent.isEmpty()) {
      return;
    }
    Keyed earlier = sent.get(op.a() % sent.size());
    boolean same = op.b() % 4 != 0;
    String body = same ? earlier.body() : earlier.body().replace("\"walk\"", "\"walk, changed\"");
    ApiResponse answer =
        walk.caller()
            .postJson(walk.path(ns, "/invalidations"), body, "Idempotency-Key", earlier.key());
    walk.reached(String.valueOf(answer.status()));
    if (!same) {
      assertProblem(answer, 422, "idempotency-key-reused");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("id").asString()).isEqualTo(earlier.id());
    Rule rule = model.rules.get(earlier.id());
    if (model.inForce(rule) == Tri.YES) {
      // what its rule matches and is still ready is retired under it: nothing, since the rule
      // refused every upload it matches while it stood
      assertThat(model.matches(ns, rule.sel)).filteredOn(a -> a.state == State.READY).isEmpty();
    }
  }

  void lift(String ns, Op op) {
    List<Rule> all = model.rules.values().stream().filter(r -> r.ns.equals(ns)).toList();
    if (all.isEmpty() || op.b() % 10 == 0) {
      ApiResponse answer =
          walk.caller()
              .postJson(walk.path(ns, "/invalidations/" + UUID.randomUUID() + "/lift"), "");
      assertProblem(answer, 404, "invalidation-not-found");
      return;
    }
    Rule rule = all.get(op.a() % all.size());
    ApiResponse answer =
        walk.caller().postJson(walk.path(ns, "/invalidations/" + rule.id + "/lift"), "");
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("active").asBoolean()).isFalse();
    rule.lifted = true;
  }

  private static String selectorJson(Sel sel) {
    List<String> fields = new ArrayList<>();
    add(fields, "kind", sel.kind());
    add(fields, "key", sel.key());
    add(fields, "sha256", sel.sha256());
    add(fields, "modelName", sel.modelName());
    add(fields, "modelVersion", sel.modelVersion());
    add(fields, "torch", sel.torch());
    add(fields, "gpu", sel.gpu());
    if (sel.member() != null) {
      add(fields, sel.member(), sel.value());
    }
    if (sel.ids() != null) {
      fields.add("\"artifactIds\": [\"" + String.join("\", \"", sel.ids()) + "\"]");
    }
    return "{" + String.join(", ", fields) + "}";
  }

  private static void add(List<String> fields, String name, String value) {
    if (value != null) {
      fields.add("\"" + name + "\": \"" + value + "\"");
    }
  }
}
