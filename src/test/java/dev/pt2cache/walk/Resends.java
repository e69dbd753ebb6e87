package dev.pt2cache.walk;

import static dev.pt2cache.walk.ConcurrentSteps.DESCS;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY_KEYS;
import static dev.pt2cache.walk.ConcurrentSteps.MEGA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import dev.pt2cache.walk.History.Sel;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * A concurrent walk's calls sent again with their {@code Idempotency-Key}, as a client resends
 * after a cut connection: invalidations (the key honoured: the same request answers {@code 200}
 * with the invalidation recorded first, another request under the key {@code 422
 * idempotency-key-reused}), and declarations and content PUTs, whose key the service does not
 * honour (docs/api.md): a declaration sent again is a declaration, a content PUT sent again is
 * answered as bytes sent to that reservation are ({@link ResendChecks}).
 */
final class Resends {

  private final SharedWalk shared;
  private final CallRecorder recorder;
  private final RacingUploads uploads;
  private final Random random;
  private final int worker;

  Resends(SharedWalk shared, ConcurrentSteps plain, int worker) {
    this.shared = shared;
    this.recorder = plain.recorder;
    this.uploads = plain.uploads;
    this.random = plain.random;
    this.worker = worker;
  }

  /** A keyed invalidation: a new one, the same request again, or another under a used key. */
  void invalidation(int instance, String ns) {
    Call earlier = random.nextInt(3) == 0 ? null : shared.pick(shared.keyed, random);
    Call call;
    if (earlier == null) {
      call = new Call(worker, instance, random.nextInt(3) == 0 ? Op.BLOCK : Op.INVALIDATE, ns);
      call.idemKey = "\"walk-" + UUID.randomUUID() + "\"";
      int which = random.nextInt(2);
      call.sel =
          random.nextBoolean()
              ? new Sel(ENTRY, ENTRY_KEYS.get(which), null, null)
              : new Sel(MEGA, shared.derivedKeys.get(which), null, null);
      call.body =
          "{\"selector\": %s, \"reason\": \"keyed walk\", \"block\": %s}"
              .formatted(call.sel.json(), call.op == Op.BLOCK);
    } else {
      call = new Call(worker, instance, earlier.op, earlier.ns);
      call.idemKey = earlier.idemKey;
      call.sel = earlier.sel;
      call.resendOf = earlier;
      call.body =
          random.nextInt(4) == 0
              ? earlier.body.replace("keyed walk", "another reason")
              : earlier.body;
    }
    ApiResponse answer =
        recorder.call(
            call,
            api ->
                api.postJson(
                    CallRecorder.path(call.ns, "/invalidations"),
                    call.body,
                    "Idempotency-Key",
                    call.idemKey));
    boolean same = call.resendOf == null || call.body.equals(call.resendOf.body);
    CallRecorder.allowed(call, same ? Set.of("201", "200") : Set.of("422 idempotency-key-reused"));
    if (!call.ok()) {
      return;
    }
    call.count = answer.json().get("invalidated").asInt();
    call.id = answer.json().get("id").asString();
    if (call.resendOf == null) {
      assertThat(call.status).as("%s: a fresh key records", call).isEqualTo(201);
      shared.remember(shared.keyed, call);
      if (call.op == Op.BLOCK) {
        shared.remember(shared.blocks, call);
      }
    } else {
      assertThat(call.status).as("%s: a resend records nothing", call).isEqualTo(200);
      assertThat(call.id).as("%s: the first's record", call).isEqualTo(call.resendOf.id);
    }
  }

  /**
   * A content PUT sent again with its key (a fresh one if it had none), now and then other bytes.
   */
  void content(int instance) {
    Call first = shared.pick(shared.sends, random);
    if (first == null) {
      return;
    }
    String key = first.idemKey != null ? first.idemKey : "\"put-" + UUID.randomUUID() + "\"";
    Call again = uploads.sendTo(instance, first.reservation, key, random.nextInt(4) == 0);
    again.resendOf = first;
  }

  /** A declaration with a key of its own, or one sent again with its key (now and then another). */
  void declaration(int instance, String ns) {
    Call first = shared.pick(shared.keyedDeclarations, random);
    if (first == null || random.nextInt(3) == 0) {
      Call call =
          uploads.declare(
              instance,
              ns,
              random.nextInt(2),
              random.nextInt(3),
              random.nextInt(3) > 0,
              "\"declare-" + UUID.randomUUID() + "\"");
      shared.remember(shared.keyedDeclarations, call);
      return;
    }
    boolean mega = MEGA.equals(first.kind);
    int which = mega ? DESCS.indexOf(first.desc) : ENTRY_KEYS.indexOf(first.key);
    int content = random.nextInt(4) == 0 ? random.nextInt(3) : contentIndex(first.sha);
    Call again = uploads.declare(instance, first.ns, which, content, mega, first.idemKey);
    again.resendOf = first;
  }

  private int contentIndex(String sha) {
    for (int i = 0; i < shared.contents.size(); i++) {
      if (Fixtures.sha256(shared.contents.get(i)).equals(sha)) {
        return i;
      }
    }
    throw new IllegalStateException(sha);
  }
}
