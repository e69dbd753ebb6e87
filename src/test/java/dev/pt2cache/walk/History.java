package dev.pt2cache.walk;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Every call a concurrent walk made, with when it started and ended (System.nanoTime) and what it
 * was answered: what {@link ConcurrentChecks} judges, once the workers have joined, against the
 * orders of the calls that overlapped it.
 */
final class History {

  enum Op {
    DECLARE,
    SEND,
    PUT_ENTRY,
    GET_ENTRY,
    LOOKUP,
    FETCH_HIT,
    DOWNLOAD,
    INVALIDATE,
    BLOCK,
    LIFT,
    REPORT,
    CLEAR_REPORTS,
    SETTINGS,
    RETENTION,
    PURGE,
    RECONCILE,
    HEAD_CONTENT,
    HEAD_ENTRY,
    RANGE_CONTENT,
    RANGE_ENTRY
  }

  /**
   * An invalidation's selector, of the four kinds the concurrent walk sends; null: not given. A
   * descriptor's {@code member} (its name in the API: {@code modelName}, {@code modelFingerprint},
   * {@code rocm} or {@code python}) is given with its {@code value}.
   */
  record Sel(String kind, String key, String member, String value, String id) {

    /** A selector by kind, key, model name or id. */
    Sel(String kind, String key, String model, String id) {
      this(kind, key, model == null ? null : "modelName", model, id);
    }

    /** Whether it matches an artifact (or an upload) of this kind, key, descriptor and id. */
    boolean matches(String artKind, String artKey, Desc desc, String artId) {
      return (kind == null || kind.equals(artKind))
          && (key == null || key.equals(artKey))
          && (member == null || desc != null && value.equals(desc.member(member)))
          && (id == null || id.equals(artId));
    }

    String json() {
      List<String> fields = new ArrayList<>();
      if (kind != null) {
        fields.add("\"kind\": \"" + kind + "\"");
      }
      if (key != null) {
        fields.add("\"key\": \"" + key + "\"");
      }
      if (member != null) {
        fields.add("\"" + member + "\": \"" + value + "\"");
      }
      if (id != null) {
        fields.add("\"artifactIds\": [\"" + id + "\"]");
      }
      return "{" + String.join(", ", fields) + "}";
    }
  }

  /** One call: what was asked (ns, kind, key, id, sha, descriptor) and what was answered. */
  static final class Call {
    final int worker;
    final int instance;
    final Op op;
    final String ns;
    String kind;
    String key;
    String id;
    String sha;
    Desc desc;
    Sel sel;
    String node;
    Long quota;

    /** Who called: null for the operator's token. */
    Caller caller;

    /** The Idempotency-Key sent with it, if any, and the call it resends (same key), if any. */
    String idemKey;

    Call resendOf;

    /** The request's body where a resend must repeat it; the declaration a content PUT went to. */
    String body;

    Call reservation;

    /** What an invalidation answered it retired. */
    int count;

    boolean wrongBytes;

    /**
     * How the call met its reservation's time, where it was sent to meet it ({@link
     * ExpiringUploads}): counted apart in the walk's tally of answers.
     */
    String expiry;

    long start;
    long end;
    int status;
    String type;

    /** The artifact the answer names, its state and SHA-256, where it names one. */
    String answerId;

    String answerState;
    String answerSha;
    String text;

    /**
     * Answered {@code 503} because the store failed it ({@link SharedWalk#storeMayFail}): the call
     * may have left an object nothing records, and changed nothing the walk judges.
     */
    boolean storeFailed;

    Call(int worker, int instance, Op op, String ns) {
      this.worker = worker;
      this.instance = instance;
      this.op = op;
      this.ns = ns;
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return "%s%s w%d@i%d %s %s/%s id=%s sha=%s sel=%s q=%s node=%s wrong=%s%s [%d..%d ms] -> %d %s %s"
          .formatted(
              op,
              caller == null ? "" : " as " + caller.name(),
              worker,
              instance,
              ns.substring(0, 6),
              kind,
              key == null ? null : key.substring(0, 6) + ".." + key.substring(key.length() - 3),
              id == null ? null : id.substring(0, 8),
              sha == null ? null : sha.substring(0, 8),
              sel,
              quota,
              node,
              wrongBytes,
              idemKey == null ? "" : " key=" + idemKey,
              start / 1_000_000 % 1_000_000,
              end / 1_000_000 % 1_000_000,
              status,
              type == null ? "" : type,
              answerId == null ? "" : answerId.substring(0, 8) + " " + answerState);
    }
  }

  private final List<Call> calls = new ArrayList<>();

  synchronized void add(Call call) {
    calls.add(call);
  }

  synchronized List<Call> all() {
    return List.copyOf(calls);
  }

  synchronized List<Call> where(Predicate<Call> filter) {
    return calls.stream().filter(filter).toList();
  }
}
