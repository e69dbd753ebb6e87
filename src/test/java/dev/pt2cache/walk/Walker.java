package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.WalkModel.Art;
import dev.pt2cache.walk.WalkModel.Declared;
import dev.pt2cache.walk.WalkModel.Desc;
import dev.pt2cache.walk.WalkModel.Rule;
import dev.pt2cache.walk.WalkModel.Sel;
import dev.pt2cache.walk.WalkModel.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * Plays a list of {@link Op}s against the service and the {@link WalkModel} side by side, checking
 * every answer against what the model allows and, after each step, the invariants of both
 * namespaces.
 */
final class Walker {

  static final List<Desc> DESCS =
      List.of(
          new Desc("walk-a", "1", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"),
          new Desc("walk-a", "2", "2.11.0+cu130", "NVIDIA H100 80GB HBM3"),
          new Desc("walk-b", "1", "2.12.0+cu130", "NVIDIA A100-SXM4-80GB"));
  static final List<String> ENTRY_KEYS =
      List.of(
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3a",
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3b",
          "fkhx5v3sd2q7ylwj3ambdfujs6o5kn7ivmcjdjoe2wpaqbtyeq3c");
  private static final String ENTRY_KIND = "fx-graph";
  private static final String MEGA = "mega-cache";
  private static final Long[] QUOTAS = {null, 900L, 2500L, 5000L};
  private static final Integer[] THRESHOLDS = {null, 1, 2};

  /** What a step does; its numbers pick among what the model holds when it runs. */
  enum Kind {
    DECLARE_MEGA(14),
    DECLARE_KEYED(4),
    SEND(14),
    SEND_AGAIN(2),
    PUT_ENTRY(8),
    GET_ENTRY(6),
    LOOKUP(10),
    DOWNLOAD(4),
    INVALIDATE(4),
    BLOCK(3),
    RESEND_INVALIDATION(2),
    LIFT(6),
    REPORT(5),
    SETTINGS(3),
    CLEAR_REPORTS(1),
    RETENTION(3),
    PURGE(3),
    RECONCILE(1),
    /** Time passes for one reservation: its {@code uploadExpiresAt} is moved into the past. */
    EXPIRE(2);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }

    /** README, Access: the role a call needs (3: the operator's token). */
    int needs() {
      return switch (this) {
        case GET_ENTRY, LOOKUP, DOWNLOAD -> READ;
        case DECLARE_MEGA, DECLARE_KEYED, SEND, SEND_AGAIN, PUT_ENTRY, REPORT -> WRITE;
        case INVALIDATE, BLOCK, RESEND_INVALIDATION, LIFT, SETTINGS, CLEAR_REPORTS -> ADMIN;
        case RETENTION, PURGE, RECONCILE -> OPERATOR;
        case EXPIRE -> READ;
      };
    }
  }

  static final int READ = 0;
  static final int WRITE = 1;
  static final int ADMIN = 2;
  static final int OPERATOR = 3;

  /** Who calls: the operator, or a made token of one namespace (null: every namespace). */
  record Caller(String name, ApiClient client, String ns, int role) {

    boolean may(String namespace, int needed) {
      return role == OPERATOR || (ns == null || ns.equals(namespace)) && role >= needed;
    }
  }

  record Op(Kind kind, int ns, int who, int a, int b, int c) {

    static Op random(Random random) {
      int total = 0;
      for (Kind k : Kind.values()) {
        total += k.weight;
      }
      int pick = random.nextInt(total);
      Kind kind = null;
      for (Kind k : Kind.values()) {
        pick -= k.weight;
        if (pick < 0) {
          kind = k;
          break;
        }
      }
      int who = random.nextInt(10) < 8 ? 0 : 1 + random.nextInt(4);
      return new Op(
          kind,
          random.nextInt(2),
          who,
          random.nextInt(1000),
          random.nextInt(1000),
          random.nextInt(1000));
    }
  }

  private final ApiClient api;
  private final List<Caller> callers = new ArrayList<>();
  private ApiClient caller;
  private Caller who;
  private final Predicate<String> storeHolds;
  private final java.util.function.Consumer<String> expire;
  private final List<byte[]> contents;
  private final WalkModel model = new WalkModel();
  private final List<String> nsNames = new ArrayList<>();

  /** Invalidations sent with an Idempotency-Key: the key and the body, to resend. */
  private final List<String[]> keyed = new ArrayList<>();

  final List<String> log = new ArrayList<>();

  /** How often each kind of step got each answer, to show what a walk reached. */
  static final Map<String, Integer> REACHED = new java.util.TreeMap<>();

  private Kind current;

  private void reached(String what) {
    REACHED.merge(current + " " + what, 1, Integer::sum);
  }

  Walker(
      ApiClient api,
      Predicate<String> storeHolds,
      java.util.function.Consumer<String> expire,
      long seed) {
    this.expire = expire;
    this.api = api;
    this.storeHolds = storeHolds;
    Random bytes = new Random(seed ^ 0x5DEECE66DL);
    this.contents = new ArrayList<>();
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
      model.namespaces.put(name, new WalkModel.Ns(name));
    }
    callers.add(new Caller("env:PT2CACHE_ADMIN_TOKEN", api, null, OPERATOR));
    callers.add(token("read", nsNames.get(0), READ));
    callers.add(token("write", nsNames.get(0), WRITE));
    callers.add(token("admin", nsNames.get(0), ADMIN));
    callers.add(token("write", nsNames.get(1), WRITE));
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

  void play(Op op) {
    String ns = nsNames.get(op.ns());
    log.add(op.toString());
    current = op.kind();
    who = callers.get(op.who());
    caller = who.client();
    if (op.kind() != Kind.EXPIRE && !who.may(ns, op.kind().needs())) {
      Forbidden.check(caller, ns, op.kind(), model.in(ns).stream().map(a -> a.id).findFirst());
      reached("forbidden");
    } else {
      dispatch(ns, op);
    }
    for (String name : nsNames) {
      Invariants.check(api, model, name, storeHolds);
    }
  }

  private void dispatch(String ns, Op op) {
    switch (op.kind()) {
      case DECLARE_MEGA -> declareMega(ns, DESCS.get(op.a() % 3), op.b() % contents.size());
      case DECLARE_KEYED ->
          declareKeyed(ns, ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size()), op.b() % contents.size());
      case SEND -> send(ns, op, State.PENDING);
      case SEND_AGAIN -> send(ns, op, null);
      case PUT_ENTRY -> putEntry(ns, op);
      case GET_ENTRY -> getEntry(ns, ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size()), op.b() % 2 == 0);
      case LOOKUP -> lookup(ns, DESCS.get(op.a() % 3));
      case DOWNLOAD -> download(ns, op);
      case INVALIDATE -> invalidate(ns, op, false);
      case BLOCK -> invalidate(ns, op, true);
      case RESEND_INVALIDATION -> resend(ns, op);
      case LIFT -> lift(ns, op);
      case REPORT -> report(ns, op);
      case SETTINGS -> settings(ns, op);
      case RETENTION -> retention();
      case PURGE -> purge();
      case RECONCILE -> reconcile();
      case EXPIRE -> expireOne(ns, op);
      case CLEAR_REPORTS -> clearReports(ns, op);
    }
  }

  private String path(String ns, String rest) {
    return "/v1/namespaces/" + ns + rest;
  }

  private void declareMega(String ns, Desc desc, int content) {
    byte[] bytes = contents.get(content);
    String body =
        Descriptors.upload(MEGA, descriptorJson(desc), Fixtures.sha256(bytes), bytes.length);
    ApiResponse answer = caller.postJson(path(ns, "/artifacts"), body);
    String key = model.derivedKeys.get(desc);
    if (answer.status() < 300) {
      assertThat(answer.json().get("key").asString()).isEqualTo(key);
    }
    declared(ns, MEGA, key, desc, bytes, answer);
  }

  private void declareKeyed(String ns, String key, int content) {
    byte[] bytes = contents.get(content);
    String body =
        """
        {"kind": "%s", "key": "%s", "sha256": "%s", "sizeBytes": %d}
        """
            .formatted(ENTRY_KIND, key, Fixtures.sha256(bytes), bytes.length);
    declared(ns, ENTRY_KIND, key, null, bytes, caller.postJson(path(ns, "/artifacts"), body));
  }

  private void declared(
      String ns, String kind, String key, Desc desc, byte[] bytes, ApiResponse answer) {
    String sha = Fixtures.sha256(bytes);
    Set<Declared> allowed = model.declare(ns, kind, key, desc, sha, bytes.length);
    Declared seen = classify(answer, allowed);
    reached(seen.name());
    switch (seen) {
      case SAME -> {
        Art holder = model.readyUnder(ns, kind, key).orElseThrow();
        assertThat(answer.json().get("id").asString()).isEqualTo(holder.id);
      }
      case DEDUP -> {
        assertThat(answer.json().get("state").asString()).isEqualTo("ready");
        model.makeReady(
            model.add(answer.json().get("id").asString(), ns, kind, key, desc, sha, bytes.length));
      }
      case PENDING -> {
        assertThat(answer.json().get("state").asString()).isEqualTo("pending");
        assertThat(answer.json().has("uploadUrl")).isTrue();
        model.add(answer.json().get("id").asString(), ns, kind, key, desc, sha, bytes.length)
                .state =
            State.PENDING;
      }
      default -> {}
    }
  }

  /** Which allowed answer this is; fails when it is none of them. */
  private static Declared classify(ApiResponse answer, Set<Declared> allowed) {
    for (Declared d : allowed) {
      boolean statusMatches = answer.status() == d.status;
      boolean typeMatches =
          d.type == null
              ? answer.status() < 300
              : answer.status() >= 400
                  && answer.json().get("type").asString().equals("urn:pt2cache:problem:" + d.type);
      if (statusMatches && typeMatches) {
        if (d == Declared.DEDUP && !"ready".equals(answer.json().get("state").asString())) {
          continue;
        }
        if (d == Declared.PENDING && !"pending".equals(answer.json().get("state").asString())) {
          continue;
        }
        return d;
      }
    }
    throw new AssertionError(
        "answered " + answer.status() + " " + answer.text() + ", the model allows " + allowed);
  }

  private void send(String ns, Op op, State wanted) {
    List<Art> candidates =
        model.in(ns).stream().filter(a -> wanted == null || a.state == wanted).toList();
    if (candidates.isEmpty()) {
      return;
    }
    Art art = candidates.get(op.a() % candidates.size());
    byte[] right = contentOf(art.sha);
    boolean wrong = op.b() % 7 == 0;
    byte[] bytes = right;
    if (wrong) {
      bytes = op.c() % 2 == 0 || right.length == 0 ? new byte[right.length + 1] : right.clone();
      if (bytes.length == right.length) {
        bytes[0] ^= 1;
      }
    }
    ApiResponse answer = caller.putBytes(path(ns, "/artifacts/" + art.id + "/content"), bytes);
    reached(art.state + " " + answer.status());
    switch (art.state) {
      case GONE -> assertProblem(answer, 404, "artifact-not-found");
      case INVALIDATED -> assertProblem(answer, 410, "invalidated");
      case EVICTED -> assertThat(answer.status()).as(answer.text()).isEqualTo(410);
      case READY -> {
        if (wrong) {
          // what the answer vouches for is the body too
          assertProblem(
              answer, 422, bytes.length == art.size ? "digest-mismatch" : "size-mismatch");
          return;
        }
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().get("id").asString()).isEqualTo(art.id);
      }
      case PENDING -> {
        boolean otherRefusal =
            answer.status() == 409 && lostKey(ns, art) || answer.status() == 422 && wrong;
        if (art.expired && !otherRefusal) {
          // README: an upload begun after the reservation's uploadExpiresAt is refused
          assertProblem(answer, 410, "reservation-expired");
          return;
        }
        sentToPending(ns, art, wrong, bytes, answer);
      }
    }
  }

  private void sentToPending(String ns, Art art, boolean wrong, byte[] bytes, ApiResponse answer) {
    Optional<Art> holder = model.readyUnder(ns, art.kind, art.key);
    boolean lost = holder.isPresent() && !holder.get().sha.equals(art.sha);
    if (wrong && !(lost && answer.status() == 409)) {
      // the documents do not order the two refusals: wrong bytes to a reservation whose key
      // other content took may get either
      assertProblem(answer, 422, bytes.length == art.size ? "digest-mismatch" : "size-mismatch");
      return;
    }
    if (lost) {
      assertProblem(answer, 409, "key-conflict");
      art.state = State.GONE;
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("state").asString()).isEqualTo("ready");
    assertThat(answer.json().get("sha256").asString()).isEqualTo(art.sha);
    if (holder.isPresent()) {
      // an identical upload won the race: the answer is the holder, this reservation is gone
      assertThat(answer.json().get("id").asString()).isEqualTo(holder.get().id);
      art.state = State.GONE;
    } else {
      assertThat(answer.json().get("id").asString()).isEqualTo(art.id);
      model.makeReady(art);
    }
  }

  private void putEntry(String ns, Op op) {
    String key = ENTRY_KEYS.get(op.a() % ENTRY_KEYS.size());
    byte[] bytes = contents.get(op.b() % contents.size());
    Desc desc = op.c() % 3 == 0 ? null : DESCS.get(op.c() % 3);
    String sha = Fixtures.sha256(bytes);
    Set<Declared> allowed = model.declare(ns, ENTRY_KIND, key, desc, sha, bytes.length);
    if (allowed.contains(Declared.DEDUP) || allowed.contains(Declared.PENDING)) {
      allowed = Set.of(Declared.STORED);
    }
    ApiResponse answer =
        desc == null
            ? caller.putBytes(path(ns, "/entries/" + ENTRY_KIND + "/" + key), bytes)
            : caller.putBytes(
                path(ns, "/entries/" + ENTRY_KIND + "/" + key),
                bytes,
                "X-Pt2cache-Descriptor",
                descriptorJson(desc).replaceAll("\\s+", " ").strip());
    Declared seen = classify(answer, allowed);
    reached(seen.name());
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

  private void getEntry(String ns, String key, boolean head) {
    String url = path(ns, "/entries/" + ENTRY_KIND + "/" + key);
    Optional<Art> ready = model.readyUnder(ns, ENTRY_KIND, key);
    ApiResponse answer = head ? caller.head(url) : caller.get(url);
    reached(String.valueOf(answer.status()));
    if (ready.isEmpty()) {
      assertThat(answer.status()).as(answer.text()).isEqualTo(404);
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.header("ETag")).isEqualTo("\"" + ready.get().sha + "\"");
    if (!head) {
      assertThat(Fixtures.sha256(answer.body())).isEqualTo(ready.get().sha);
      ready.get().lastUse = model.tick();
    }
  }

  private void lookup(String ns, Desc desc) {
    ApiResponse answer =
        caller.postJson(path(ns, "/lookups"), Descriptors.lookup(MEGA, descriptorJson(desc)));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    JsonNode json = answer.json();
    String key = json.get("key").asString();
    learnKey(desc, key);
    boolean blocked = model.blocks(ns, MEGA, key, desc, null);
    reached(json.get("hit").asBoolean() ? "hit" : json.get("miss").get("reason").asString());
    Optional<Art> ready = model.readyUnder(ns, MEGA, key);
    if (blocked) {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isFalse();
      assertThat(json.get("miss").get("reason").asString()).as(answer.text()).isEqualTo("blocked");
    } else if (ready.isPresent()) {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isTrue();
      assertThat(json.get("artifact").get("id").asString()).isEqualTo(ready.get().id);
      assertThat(json.get("artifact").get("sha256").asString()).isEqualTo(ready.get().sha);
      ready.get().lastUse = model.tick();
      ApiResponse bytes = caller.get(json.get("artifact").get("downloadUrl").asString());
      assertThat(bytes.status()).as(bytes.text()).isEqualTo(200);
      assertThat(Fixtures.sha256(bytes.body())).isEqualTo(ready.get().sha);
    } else {
      assertThat(json.get("hit").asBoolean()).as(answer.text()).isFalse();
      assertThat(json.get("miss").get("reason").asString())
          .as(answer.text())
          .isIn(model.missReasons(ns, MEGA, key));
    }
  }

  private void download(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    ApiResponse answer = caller.get(path(ns, "/artifacts/" + art.id + "/content"));
    reached(art.state + " " + answer.status());
    switch (art.state) {
      case READY -> {
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(Fixtures.sha256(answer.body())).isEqualTo(art.sha);
      }
      case PENDING -> assertProblem(answer, 409, "not-ready");
      case INVALIDATED -> assertProblem(answer, 410, "invalidated");
      case EVICTED -> assertProblem(answer, 410, "evicted");
      case GONE -> assertProblem(answer, 404, "artifact-not-found");
    }
  }

  private Sel selector(String ns, Op op) {
    Desc desc = DESCS.get(op.b() % 3);
    Sel none = new Sel(null, null, null, null, null, null, null, null);
    return switch (op.a() % 9) {
      case 0 -> none.withKind(op.b() % 2 == 0 ? MEGA : ENTRY_KIND);
      case 1 -> none.withKey(ENTRY_KEYS.get(op.b() % ENTRY_KEYS.size()));
      case 2 -> none.withSha256(Fixtures.sha256(contents.get(op.b() % contents.size())));
      case 3 -> none.withModel(desc.model(), null);
      case 4 -> none.withKind(MEGA).withModel(desc.model(), desc.version());
      case 5 -> none.withTorch(desc.torch());
      case 6 -> none.withGpu(desc.gpu());
      case 7 -> none.withKind(MEGA).withKey(model.derivedKeys.get(desc));
      default -> {
        List<Art> known = model.in(ns);
        yield known.isEmpty()
            ? none.withKind(ENTRY_KIND)
            : none.withIds(List.of(known.get(op.c() % known.size()).id));
      }
    };
  }

  private void invalidate(String ns, Op op, boolean block) {
    Sel sel = selector(ns, op);
    String body =
        "{\"selector\": %s, \"reason\": \"walk\", \"block\": %s}"
            .formatted(selectorJson(sel), block);
    boolean withKey = op.c() % 2 == 0;
    String idempotencyKey = "walk-" + UUID.randomUUID();
    ApiResponse answer =
        withKey
            ? caller.postJson(path(ns, "/invalidations"), body, "Idempotency-Key", idempotencyKey)
            : caller.postJson(path(ns, "/invalidations"), body);
    List<Art> matched = model.matches(ns, sel);
    assertThat(answer.status()).as(answer.text()).isEqualTo(201);
    assertThat(answer.json().get("invalidated").asInt())
        .as("%s retires %s", answer.text(), matched)
        .isEqualTo(matched.size());
    reached(matched.isEmpty() ? "none" : "some");
    matched.forEach(a -> a.state = State.INVALIDATED);
    String id = answer.json().get("id").asString();
    model.rules.put(id, new Rule(id, ns, sel, block, matched.size()));
    if (withKey) {
      keyed.add(new String[] {ns, idempotencyKey, body, id});
    }
  }

  private void resend(String ns, Op op) {
    List<String[]> sent = keyed.stream().filter(k -> k[0].equals(ns)).toList();
    if (sent.isEmpty()) {
      return;
    }
    String[] earlier = sent.get(op.a() % sent.size());
    boolean same = op.b() % 4 != 0;
    String body = same ? earlier[2] : earlier[2].replace("\"walk\"", "\"walk, changed\"");
    ApiResponse answer =
        caller.postJson(path(ns, "/invalidations"), body, "Idempotency-Key", earlier[1]);
    reached(String.valueOf(answer.status()));
    if (!same) {
      assertProblem(answer, 422, "idempotency-key-reused");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("id").asString()).isEqualTo(earlier[3]);
    Rule rule = model.rules.get(earlier[3]);
    if (rule.inForce()) {
      // what its rule matches and is still ready is retired under it: nothing, since the rule
      // refused every upload it matches while it stood
      assertThat(model.matches(ns, rule.sel)).filteredOn(a -> a.state == State.READY).isEmpty();
    }
  }

  private void lift(String ns, Op op) {
    List<Rule> all = model.rules.values().stream().filter(r -> r.ns.equals(ns)).toList();
    if (all.isEmpty() || op.b() % 10 == 0) {
      ApiResponse answer =
          caller.postJson(path(ns, "/invalidations/" + UUID.randomUUID() + "/lift"), "");
      assertProblem(answer, 404, "invalidation-not-found");
      return;
    }
    Rule rule = all.get(op.a() % all.size());
    ApiResponse answer = caller.postJson(path(ns, "/invalidations/" + rule.id + "/lift"), "");
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("active").asBoolean()).isFalse();
    rule.lifted = true;
  }

  private void report(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    String node = "node-" + (op.b() % 3);
    ApiResponse answer =
        caller.postJson(
            path(ns, "/artifacts/" + art.id + "/reports"),
            "{\"problem\": \"load-failed\", \"detail\": \"walk\", \"node\": \"%s\"}"
                .formatted(node));
    reached(art.state + " " + answer.status());
    switch (art.state) {
      case GONE -> assertProblem(answer, 404, "artifact-not-found");
      case PENDING -> assertProblem(answer, 409, "not-ready");
      default -> reported(ns, art, node, answer);
    }
  }

  private void reported(String ns, Art art, String node, ApiResponse answer) {
    // README, Reports: a reporter is the token's name and the node
    boolean fresh = art.reporters.add(who.name() + "/" + node);
    assertThat(answer.status()).as(answer.text()).isEqualTo(fresh ? 201 : 200);
    assertThat(answer.json().get("reportCount").asInt()).isEqualTo(art.reporters.size());
    Integer threshold = model.namespaces.get(ns).reportThreshold;
    if (threshold != null && art.state == State.READY && art.reporters.size() >= threshold) {
      reached("retired by reports");
      art.state = State.INVALIDATED;
    }
  }

  private void settings(String ns, Op op) {
    Long quota = QUOTAS[op.a() % QUOTAS.length];
    Integer threshold = THRESHOLDS[op.b() % THRESHOLDS.length];
    ApiResponse answer =
        caller.putJson(
            path(ns, ""),
            "{\"quotaBytes\": %s, \"invalidateAfterReports\": %s}".formatted(quota, threshold));
    if (who.role() != OPERATOR
        && !java.util.Objects.equals(quota, model.namespaces.get(ns).quota)) {
      // ADR 0020: only the operator changes a quota
      assertProblem(answer, 403, "forbidden");
      reached("quota refused");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    model.namespaces.get(ns).quota = quota;
    model.namespaces.get(ns).reportThreshold = threshold;
  }

  private void clearReports(String ns, Op op) {
    List<Art> known = model.in(ns);
    if (known.isEmpty()) {
      return;
    }
    Art art = known.get(op.a() % known.size());
    ApiResponse answer = caller.delete(path(ns, "/artifacts/" + art.id + "/reports"));
    reached(art.state + " " + answer.status());
    if (art.state == State.GONE) {
      assertProblem(answer, 404, "artifact-not-found");
      return;
    }
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.json().get("reportCount").asInt()).isZero();
    art.reporters.clear();
  }

  private void retention() {
    Map<String, List<Art>> due = new java.util.LinkedHashMap<>();
    for (String ns : nsNames) {
      due.put(ns, model.overQuota(ns, 0.1));
    }
    JsonNode outcome = run("retention");
    for (String ns : nsNames) {
      for (Art art : due.get(ns)) {
        art.state = State.EVICTED;
      }
    }
    int evicted = due.values().stream().mapToInt(List::size).sum();
    reached("evicted " + Math.min(evicted, 3));
    if (evicted > 0) {
      // the run counts every namespace's evictions; other tests' namespaces hold none
      assertThat(outcome.path("evictedOverQuota").asInt())
          .as("%s, the model evicts %s", outcome, due)
          .isGreaterThanOrEqualTo(evicted);
    }
  }

  private boolean lostKey(String ns, Art art) {
    return model
        .readyUnder(ns, art.kind, art.key)
        .filter(holder -> !holder.sha.equals(art.sha))
        .isPresent();
  }

  private void expireOne(String ns, Op op) {
    List<Art> pending = model.in(ns, State.PENDING);
    if (pending.isEmpty()) {
      return;
    }
    Art art = pending.get(op.a() % pending.size());
    expire.accept(art.id);
    art.expired = true;
    reached("expired");
  }

  private void purge() {
    run("purge");
    reached("ran");
    model.arts.values().stream()
        .filter(
            a -> nsNames.contains(a.ns) && (a.retired() || a.expired && a.state == State.PENDING))
        .forEach(a -> a.state = State.GONE);
  }

  private void reconcile() {
    JsonNode outcome = run("reconcile");
    assertThat(outcome.path("blobsFoundMissing").asInt()).as(outcome.toString()).isZero();
    assertThat(outcome.path("blobsFoundDamaged").asInt()).as(outcome.toString()).isZero();
  }

  private JsonNode run(String job) {
    ApiResponse run = api.postJson("/v1/housekeeping/jobs/" + job + "/runs", "");
    assertThat(run.status()).as(run.text()).isEqualTo(200);
    return run.json().get("outcome");
  }

  private String keyOf(String ns, Desc desc) {
    ApiResponse answer =
        api.postJson(path(ns, "/lookups"), Descriptors.lookup(MEGA, descriptorJson(desc)));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return answer.json().get("key").asString();
  }

  private void learnKey(Desc desc, String key) {
    String known = model.derivedKeys.putIfAbsent(desc, key);
    assertThat(key).as("the key of %s", desc).isEqualTo(known == null ? key : known);
    assertThat(model.derivedKeys.entrySet())
        .filteredOn(e -> !e.getKey().equals(desc) && e.getValue().equals(key))
        .as("another descriptor derived the same key")
        .isEmpty();
  }

  private byte[] contentOf(String sha) {
    return contents.stream().filter(c -> Fixtures.sha256(c).equals(sha)).findFirst().orElseThrow();
  }

  static String descriptorJson(Desc desc) {
    return Descriptors.of(desc.model(), desc.version(), desc.torch(), desc.gpu());
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

  static void assertProblem(ApiResponse response, int status, String type) {
    assertThat(response.status()).as(response.text()).isEqualTo(status);
    assertThat(response.json().get("type").asString())
        .as(response.text())
        .isEqualTo("urn:pt2cache:problem:" + type);
  }
}
