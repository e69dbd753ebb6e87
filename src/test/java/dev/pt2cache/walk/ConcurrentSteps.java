package dev.pt2cache.walk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import dev.pt2cache.walk.History.Sel;
import java.util.List;
import java.util.Random;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The steps of a concurrent walk: one worker's random calls, through either instance, on the walk's
 * two namespaces, two descriptors, two entry keys and three contents, so that workers collide. Each
 * call is recorded in the {@link History}; what one answer says by itself (a status the contract
 * lists for the call, bytes with the SHA-256 they are served under, no slower than {@link
 * CallRecorder#BOUND_NS}) is checked at once, the rest by {@link ConcurrentChecks} once the workers
 * have joined.
 */
final class ConcurrentSteps {

  static final List<Desc> DESCS = List.of(WalkContext.DESCS.get(0), WalkContext.DESCS.get(2));

  /** The descriptor's members the walk's selectors name. */
  static final List<String> DESC_MEMBERS =
      List.of("modelName", "modelFingerprint", "rocm", "python");

  static final List<String> ENTRY_KEYS = WalkContext.ENTRY_KEYS.subList(0, 2);
  static final String MEGA = WalkContext.MEGA;
  static final String ENTRY = WalkContext.ENTRY_KIND;

  /**
   * Quotas a settings step sets: none, one that the largest content exceeds, two that hold some.
   */
  static final Long[] QUOTAS = {null, 900L, 2000L, 4000L};

  /** Each namespace's report threshold: none in the first, two reporters in the second. */
  static final Integer[] THRESHOLDS = {null, 2};

  private final SharedWalk shared;
  final CallRecorder recorder;
  final RacingUploads uploads;
  private final int worker;
  final Random random;

  ConcurrentSteps(SharedWalk shared, int worker, long seed) {
    this.shared = shared;
    this.worker = worker;
    this.random = new Random(seed * 1_000_003L + worker);
    this.recorder = new CallRecorder(shared);
    this.uploads = new RacingUploads(shared, recorder, worker, random);
  }

  /** Plays one random step. */
  void step() {
    int instance = random.nextInt(shared.instances.size());
    int nsIndex = random.nextInt(2);
    String ns = shared.nsNames.get(nsIndex);
    int pick = random.nextInt(100);
    if (pick < 14) {
      uploads.declare(instance, ns, random.nextInt(2), random.nextInt(3));
    } else if (pick < 26) {
      uploads.send(instance);
    } else if (pick < 34) {
      Call declared = uploads.declare(instance, ns, random.nextInt(2), random.nextInt(3));
      if (declared.status == 201 && "pending".equals(declared.answerState)) {
        uploads.sendTo(random.nextInt(shared.instances.size()), declared);
      }
    } else if (pick < 46) {
      uploads.putEntry(instance, ns);
    } else if (pick < 54) {
      getEntry(instance, ns);
    } else if (pick < 66) {
      lookup(instance, ns);
    } else if (pick < 71) {
      download(instance);
    } else if (pick < 74) {
      invalidate(instance, ns, false);
    } else if (pick < 76) {
      invalidate(instance, ns, true);
    } else if (pick < 81) {
      lift(instance);
    } else if (pick < 86) {
      report(instance);
    } else if (pick < 87) {
      clearReports(instance);
    } else if (pick < 90) {
      settings(instance, nsIndex);
    } else if (pick < 94) {
      housekeeping(instance, Op.RETENTION);
    } else if (pick < 98) {
      housekeeping(instance, purges() ? Op.PURGE : Op.RECONCILE);
    } else {
      housekeeping(instance, Op.RECONCILE);
    }
  }

  /** Whether this purge step purges: always in the plain walk, rarely or never in some seeds. */
  private boolean purges() {
    return shared.purgeOneIn == 1
        || shared.purgeOneIn > 1 && random.nextInt(shared.purgeOneIn) == 0;
  }

  private void getEntry(int instance, String ns) {
    Call call = new Call(worker, instance, Op.GET_ENTRY, ns);
    call.kind = ENTRY;
    call.key = ENTRY_KEYS.get(random.nextInt(2));
    ApiResponse answer =
        recorder.call(
            call, api -> api.get(CallRecorder.path(ns, "/entries/" + ENTRY + "/" + call.key)));
    CallRecorder.allowed(call, Set.of("200", "404 entry-not-found", "404 artifact-not-found"));
    if (call.status == 200) {
      call.answerSha = Fixtures.sha256(answer.body());
      assertThat(answer.header("ETag")).isEqualTo("\"" + call.answerSha + "\"");
    }
  }

  private void lookup(int instance, String ns) {
    Call call = new Call(worker, instance, Op.LOOKUP, ns);
    int which = random.nextInt(2);
    call.kind = MEGA;
    call.desc = DESCS.get(which);
    call.key = shared.derivedKeys.get(which);
    ApiResponse answer =
        recorder.call(
            call,
            api ->
                api.postJson(
                    CallRecorder.path(ns, "/lookups"),
                    Descriptors.lookup(MEGA, WalkContext.descriptorJson(call.desc))));
    CallRecorder.allowed(call, Set.of("200"));
    JsonNode json = answer.json();
    assertThat(json.get("key").asString()).isEqualTo(call.key);
    if (!json.get("hit").asBoolean()) {
      call.type = "miss " + json.get("miss").get("reason").asString();
      return;
    }
    assertThat(call.answerState).as(call.text).isEqualTo("ready");
    // a node downloads what it was told, through either instance
    Call fetch = new Call(worker, random.nextInt(shared.instances.size()), Op.FETCH_HIT, ns);
    fetch.kind = MEGA;
    fetch.key = call.key;
    fetch.desc = call.desc;
    fetch.id = call.answerId;
    fetch.sha = call.answerSha;
    String url = json.get("artifact").get("downloadUrl").asString();
    ApiResponse bytes = recorder.call(fetch, api -> api.get(url));
    CallRecorder.allowed(
        fetch, Set.of("200", "410 invalidated", "410 evicted", "404 artifact-not-found"));
    if (fetch.status == 200) {
      assertThat(Fixtures.sha256(bytes.body())).as("%s", fetch).isEqualTo(call.answerSha);
    }
  }

  /** A call on an artifact some answer named, in its namespace; null while none was named. */
  Call onKnownArtifact(int instance, Op op) {
    String[] known = shared.pick(shared.ids, random);
    if (known == null) {
      return null;
    }
    Call call = new Call(worker, instance, op, known[0]);
    call.id = known[1];
    return call;
  }

  private void download(int instance) {
    Call call = onKnownArtifact(instance, Op.DOWNLOAD);
    if (call == null) {
      return;
    }
    ApiResponse answer =
        recorder.call(
            call, api -> api.get(CallRecorder.path(call.ns, "/artifacts/" + call.id + "/content")));
    CallRecorder.allowed(
        call,
        Set.of("200", "409 not-ready", "410 invalidated", "410 evicted", "404 artifact-not-found"));
    if (call.status == 200) {
      call.answerSha = Fixtures.sha256(answer.body());
      assertThat(answer.header("ETag")).as("%s", call).isEqualTo("\"" + call.answerSha + "\"");
    }
  }

  private void invalidate(int instance, String ns, boolean block) {
    Call call = new Call(worker, instance, block ? Op.BLOCK : Op.INVALIDATE, ns);
    int which = random.nextInt(2);
    call.sel =
        switch (random.nextInt(block ? 3 : 4)) {
          case 0 -> new Sel(random.nextBoolean() ? MEGA : ENTRY, null, null, null);
          case 1 ->
              random.nextBoolean()
                  ? new Sel(ENTRY, ENTRY_KEYS.get(which), null, null)
                  : new Sel(MEGA, shared.derivedKeys.get(which), null, null);
          case 2 -> {
            String member = DESC_MEMBERS.get(random.nextInt(DESC_MEMBERS.size()));
            yield new Sel(null, null, member, DESCS.get(which).selectable(member), null);
          }
          default -> {
            String[] known = shared.pick(shared.ids, random);
            yield known == null || !known[0].equals(ns)
                ? new Sel(ENTRY, null, null, null)
                : new Sel(null, null, null, known[1]);
          }
        };
    String body =
        "{\"selector\": %s, \"reason\": \"concurrent walk\", \"block\": %s}"
            .formatted(call.sel.json(), block);
    ApiResponse answer =
        recorder.call(call, api -> api.postJson(CallRecorder.path(ns, "/invalidations"), body));
    CallRecorder.allowed(call, Set.of("201"));
    call.count = answer.json().get("invalidated").asInt();
    assertThat(call.count).isNotNegative();
    call.id = answer.json().get("id").asString();
    if (block) {
      shared.remember(shared.blocks, call);
    }
  }

  private void lift(int instance) {
    Call rule = shared.pick(shared.blocks, random);
    if (rule == null) {
      return;
    }
    Call call = new Call(worker, instance, Op.LIFT, rule.ns);
    call.id = rule.id;
    ApiResponse answer =
        recorder.call(
            call,
            api ->
                api.postJson(
                    CallRecorder.path(rule.ns, "/invalidations/" + rule.id + "/lift"), ""));
    CallRecorder.allowed(call, Set.of("200"));
    assertThat(answer.json().get("active").asBoolean()).isFalse();
  }

  private void report(int instance) {
    Call call = onKnownArtifact(instance, Op.REPORT);
    if (call == null) {
      return;
    }
    call.node = "node-" + random.nextInt(3);
    String body =
        "{\"problem\": \"load-failed\", \"detail\": \"walk\", \"node\": \"%s\"}"
            .formatted(call.node);
    recorder.call(
        call,
        api ->
            api.postJson(CallRecorder.path(call.ns, "/artifacts/" + call.id + "/reports"), body));
    CallRecorder.allowed(call, Set.of("201", "200", "409 not-ready", "404 artifact-not-found"));
  }

  private void clearReports(int instance) {
    Call call = onKnownArtifact(instance, Op.CLEAR_REPORTS);
    if (call == null) {
      return;
    }
    recorder.call(
        call, api -> api.delete(CallRecorder.path(call.ns, "/artifacts/" + call.id + "/reports")));
    CallRecorder.allowed(call, Set.of("200", "404 artifact-not-found"));
  }

  private void settings(int instance, int nsIndex) {
    String ns = shared.nsNames.get(nsIndex);
    Call call = new Call(worker, instance, Op.SETTINGS, ns);
    call.quota = QUOTAS[random.nextInt(QUOTAS.length)];
    String body =
        "{\"quotaBytes\": %s, \"invalidateAfterReports\": %s}"
            .formatted(call.quota, THRESHOLDS[nsIndex]);
    recorder.call(call, api -> api.putJson(CallRecorder.path(ns, ""), body));
    CallRecorder.allowed(call, Set.of("200"));
  }

  private void housekeeping(int instance, Op job) {
    Call call = new Call(worker, instance, job, "-global-");
    ApiResponse answer =
        recorder.call(
            call,
            api -> api.postJson("/v1/housekeeping/jobs/" + job.name().toLowerCase() + "/runs", ""));
    CallRecorder.allowed(call, Set.of("200", "409 job-running"));
    if (job == Op.RECONCILE && call.status == 200) {
      JsonNode outcome = answer.json().get("outcome");
      assertThat(outcome.path("blobsFoundMissing").asInt()).as("%s", outcome).isZero();
      assertThat(outcome.path("blobsFoundDamaged").asInt()).as("%s", outcome).isZero();
    }
  }
}
