package dev.pt2cache.walk;

import static dev.pt2cache.walk.ConcurrentSteps.DESCS;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY;
import static dev.pt2cache.walk.ConcurrentSteps.ENTRY_KEYS;
import static dev.pt2cache.walk.ConcurrentSteps.MEGA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.History.Call;
import dev.pt2cache.walk.History.Op;
import java.util.Random;
import java.util.Set;

/**
 * A concurrent walk's uploads: declarations, bytes sent to any worker's reservation (right, or now
 * and then wrong), and entries put, a third of the bodies pausing halfway so that more calls
 * overlap them.
 */
final class RacingUploads {

  private final SharedWalk shared;
  private final CallRecorder recorder;
  private final int worker;
  private final Random random;

  RacingUploads(SharedWalk shared, CallRecorder recorder, int worker, Random random) {
    this.shared = shared;
    this.recorder = recorder;
    this.worker = worker;
    this.random = random;
  }

  Call declare(int instance, String ns, int which, int content) {
    return declare(instance, ns, which, content, random.nextInt(3) > 0, null);
  }

  /** A declaration, of the Mega-Cache or an entry's kind, sent with an Idempotency-Key or none. */
  Call declare(int instance, String ns, int which, int content, boolean mega, String idemKey) {
    byte[] bytes = shared.contents.get(content);
    Call call = new Call(worker, instance, Op.DECLARE, ns);
    call.idemKey = idemKey;
    call.kind = mega ? MEGA : ENTRY;
    call.desc = mega ? DESCS.get(which) : null;
    call.key = mega ? shared.derivedKeys.get(which) : ENTRY_KEYS.get(which);
    call.sha = Fixtures.sha256(bytes);
    String body =
        mega
            ? Descriptors.upload(
                MEGA, WalkContext.descriptorJson(call.desc), call.sha, bytes.length)
            : "{\"kind\": \"%s\", \"key\": \"%s\", \"sha256\": \"%s\", \"sizeBytes\": %d}"
                .formatted(ENTRY, call.key, call.sha, bytes.length);
    ApiResponse answer =
        recorder.call(
            call,
            api -> api.postJson(CallRecorder.path(ns, "/artifacts"), body, keyHeader(idemKey)));
    CallRecorder.allowed(
        call,
        Set.of(
            "201",
            "200",
            "409 key-conflict",
            "409 blocked-by-rule",
            "409 upload-in-flight",
            "413 exceeds-quota"));
    if ("upload-in-flight".equals(call.type)) {
      assertThat(shared.lease).as("%s without a lease", call).isNotNull();
      long retryAfter = Long.parseLong(answer.header("Retry-After"));
      assertThat(retryAfter)
          .as("%s: Retry-After within the lease", call)
          .isBetween(1L, Math.max(1, (shared.lease.toMillis() + 999) / 1000));
    }
    if (call.ok()) {
      assertThat(answer.json().get("key").asString()).as(call.text).isEqualTo(call.key);
      assertThat(call.answerSha).as(call.text).isEqualTo(call.sha);
      assertThat(call.answerState)
          .as(call.text)
          .isEqualTo(call.status == 200 ? "ready" : call.answerState)
          .isIn("ready", "pending");
      if ("pending".equals(call.answerState)) {
        assertThat(answer.json().has("uploadUrl")).as(call.text).isTrue();
        shared.remember(shared.reservations, call);
      }
    }
    return call;
  }

  void send(int instance) {
    Call reservation = shared.pick(shared.reservations, random);
    if (reservation != null) {
      sendTo(instance, reservation);
    }
  }

  /** Sends bytes to a reservation: its own, or now and then others of the same length or not. */
  void sendTo(int instance, Call reservation) {
    sendTo(instance, reservation, null, random.nextInt(8) == 0);
  }

  /**
   * Sends bytes to a reservation, with an Idempotency-Key or none: its own content, or other bytes.
   */
  Call sendTo(int instance, Call reservation, String idemKey, boolean wrong) {
    return sendTo(instance, reservation, idemKey, wrong, -1);
  }

  /**
   * Sends bytes to a reservation, their body pausing {@code pause} ms halfway (past the
   * reservation's time, for {@link ExpiringUploads}), or as {@link #pause()} draws where negative.
   */
  Call sendTo(int instance, Call reservation, String idemKey, boolean wrong, int pause) {
    byte[] right =
        shared.contents.stream()
            .filter(c -> Fixtures.sha256(c).equals(reservation.sha))
            .findFirst()
            .orElseThrow();
    Call call = new Call(worker, instance, Op.SEND, reservation.ns);
    call.kind = reservation.kind;
    call.key = reservation.key;
    call.desc = reservation.desc;
    call.id = reservation.answerId;
    call.sha = reservation.sha;
    call.idemKey = idemKey;
    call.reservation = reservation;
    call.wrongBytes = wrong;
    byte[] bytes = right;
    if (call.wrongBytes) {
      bytes =
          random.nextBoolean() || right.length == 0 ? new byte[right.length + 1] : right.clone();
      if (bytes.length == right.length) {
        bytes[0] ^= 1;
      }
    }
    byte[] sent = bytes;
    int paused = pause < 0 ? pause() : pause;
    recorder.call(
        call,
        api ->
            api.putBody(
                CallRecorder.path(call.ns, "/artifacts/" + call.id + "/content"),
                PausingBody.of(sent, paused),
                keyHeader(idemKey)));
    CallRecorder.allowed(
        call,
        Set.of(
            "200",
            "404 artifact-not-found",
            "409 key-conflict",
            "410 invalidated",
            "410 evicted",
            "410 reservation-expired",
            "409 blocked-by-rule",
            "422 digest-mismatch",
            "422 size-mismatch",
            "503 storage-race"));
    if (call.wrongBytes) {
      assertThat(call.status).as("wrong bytes verified: %s", call).isNotEqualTo(200);
    }
    if (call.status == 422) {
      assertThat(call.wrongBytes).as("right bytes refused: %s %s", call, call.text).isTrue();
    }
    if (call.ok()) {
      assertThat(call.answerState).as(call.text).isEqualTo("ready");
      assertThat(call.answerSha).as(call.text).isEqualTo(call.sha);
    }
    shared.remember(shared.sends, call);
    return call;
  }

  private static String[] keyHeader(String idemKey) {
    return idemKey == null ? new String[0] : new String[] {"Idempotency-Key", idemKey};
  }

  void putEntry(int instance, String ns) {
    Call call = new Call(worker, instance, Op.PUT_ENTRY, ns);
    call.kind = ENTRY;
    call.key = ENTRY_KEYS.get(random.nextInt(2));
    byte[] bytes = shared.contents.get(random.nextInt(3));
    call.sha = Fixtures.sha256(bytes);
    int pause = pause();
    recorder.call(
        call,
        api ->
            api.putBody(
                CallRecorder.path(ns, "/entries/" + ENTRY + "/" + call.key),
                PausingBody.of(bytes, pause)));
    CallRecorder.allowed(
        call,
        Set.of(
            "201",
            "200",
            "409 key-conflict",
            "409 blocked-by-rule",
            "410 invalidated",
            "404 artifact-not-found",
            "413 exceeds-quota",
            "503 storage-race"));
    if (call.ok()) {
      assertThat(call.answerState).as(call.text).isEqualTo("ready");
      assertThat(call.answerSha).as(call.text).isEqualTo(call.sha);
    }
  }

  /** How long a body pauses halfway, in ms: a third of them do, so that more calls overlap it. */
  private int pause() {
    return random.nextInt(3) == 0 ? 20 + random.nextInt(80) : 0;
  }
}
