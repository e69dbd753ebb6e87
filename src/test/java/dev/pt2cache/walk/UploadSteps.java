package dev.pt2cache.walk;

import static dev.pt2cache.walk.WalkContext.ENTRY_KIND;
import static dev.pt2cache.walk.WalkContext.MEGA;
import static dev.pt2cache.walk.WalkContext.assertProblem;
import static dev.pt2cache.walk.WalkContext.descriptorJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.walk.Walker.Op;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The steps that declare artifacts and send their bytes, right or wrong, to reservations pending,
 * beaten, lost or expired and to artifacts already ready; and time passing for a reservation.
 */
final class UploadSteps {

  private final WalkContext walk;
  private final WalkModel model;

  UploadSteps(WalkContext walk) {
    this.walk = walk;
    this.model = walk.model;
  }

  void declareMega(String ns, Desc desc, int content) {
    byte[] bytes = walk.contents.get(content);
    String body =
        Descriptors.upload(MEGA, descriptorJson(desc), Fixtures.sha256(bytes), bytes.length);
    ApiResponse answer = walk.caller().postJson(walk.path(ns, "/artifacts"), body);
    String key = model.derivedKeys.get(desc);
    if (answer.status() < 300) {
      assertThat(answer.json().get("key").asString()).isEqualTo(key);
    }
    declared(ns, MEGA, key, desc, bytes, answer);
  }

  void declareKeyed(String ns, String key, int content) {
    byte[] bytes = walk.contents.get(content);
    String body =
        """
        {"kind": "%s", "key": "%s", "sha256": "%s", "sizeBytes": %d}
        """
            .formatted(ENTRY_KIND, key, Fixtures.sha256(bytes), bytes.length);
    declared(
        ns,
        ENTRY_KIND,
        key,
        null,
        bytes,
        walk.caller().postJson(walk.path(ns, "/artifacts"), body));
  }

  private void declared(
      String ns, String kind, String key, Desc desc, byte[] bytes, ApiResponse answer) {
    String sha = Fixtures.sha256(bytes);
    Set<Declared> allowed = model.declare(ns, kind, key, desc, sha, bytes.length, true);
    Declared seen = classify(answer, allowed);
    walk.reached(seen.name());
    switch (seen) {
      case IN_FLIGHT -> leaseRefused(ns, kind, key, sha, answer);
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

  /**
   * ADR 0019: {@code Retry-After} says when the lease ends, counted from the oldest live
   * reservation's declaration, which declaring again never moves.
   */
  private void leaseRefused(String ns, String kind, String key, String sha, ApiResponse answer) {
    long retryAfter = Long.parseLong(answer.header("Retry-After"));
    assertThat(retryAfter).as(answer.text()).isBetween(1L, WalkModel.LEASE / 1000 + 1);
    Optional<Art> holder =
        model.pendingUnder(ns, kind, key).stream()
            .filter(a -> model.expired(a) == Tri.NO)
            .findFirst();
    assertThat(holder).as("a live reservation holds the lease").isPresent();
    assertThat(holder.get().sha).as("the holder's content is never refused").isNotEqualTo(sha);
    long left = (holder.get().reservedAt + WalkModel.LEASE - model.now()) / 1000;
    assertThat(retryAfter)
        .as("Retry-After of a lease with %d s left", left)
        .isBetween(left - WalkModel.SLACK / 1000 - 1, left + WalkModel.SLACK / 1000 + 2);
  }

  /** Which allowed answer this is; fails when it is none of them. */
  static Declared classify(ApiResponse answer, Set<Declared> allowed) {
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

  void send(String ns, Op op, State wanted) {
    List<Art> candidates =
        model.in(ns).stream().filter(a -> wanted == null || a.state == wanted).toList();
    if (candidates.isEmpty()) {
      return;
    }
    Art art = candidates.get(op.a() % candidates.size());
    byte[] right = walk.contentOf(art.sha);
    boolean wrong = op.b() % 7 == 0;
    byte[] bytes = right;
    if (wrong) {
      bytes = op.c() % 2 == 0 || right.length == 0 ? new byte[right.length + 1] : right.clone();
      if (bytes.length == right.length) {
        bytes[0] ^= 1;
      }
    }
    ApiResponse answer =
        walk.caller().putBytes(walk.path(ns, "/artifacts/" + art.id + "/content"), bytes);
    walk.reached(art.state + " " + answer.status());
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
        Tri expired = model.expired(art);
        if (expired == Tri.MAYBE && !otherRefusal && answer.status() == 410) {
          walk.reached("expired at its end");
          return;
        }
        if (expired == Tri.YES && !otherRefusal) {
          // docs/configuration.md: an upload begun after the reservation's uploadExpiresAt is
          // refused
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

  private boolean lostKey(String ns, Art art) {
    return model
        .readyUnder(ns, art.kind, art.key)
        .filter(holder -> !holder.sha.equals(art.sha))
        .isPresent();
  }

  void expireOne(String ns, Op op) {
    List<Art> pending = model.in(ns, State.PENDING);
    if (pending.isEmpty()) {
      return;
    }
    Art art = pending.get(op.a() % pending.size());
    walk.time.expire(art.id);
    art.expiresAt = model.now() - 60_000;
    walk.reached("expired");
  }
}
