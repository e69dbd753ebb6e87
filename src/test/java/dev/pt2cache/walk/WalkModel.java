package dev.pt2cache.walk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the API must answer, written from DESIGN.md, docs/api.md, docs/operations.md's housekeeping,
 * openapi.yaml and the ADRs, not from the service's code: artifacts by state, standing rules,
 * reporters and namespace settings, and for each operation the answers the documents allow. Where
 * the documents leave a choice open (which of several refusals comes first, which reason a miss
 * gives when a key has seen several fates), the model allows each of them.
 */
final class WalkModel {

  /** The service's settings of time the walk runs with ({@code ApiWalkTest}'s context). */
  static final long TTL = Duration.ofHours(1).toMillis();

  static final long GRACE = Duration.ofHours(1).toMillis();
  static final long LEASE = Duration.ofMinutes(10).toMillis();
  static final int DEFAULT_IDLE_DAYS = 30;

  /**
   * How far from a limit a time must be for the model to say which side it is on: the walk's clock
   * and the service's (the instance's and the database's, on one machine) read the same moment a
   * few milliseconds apart, and a step's request takes some too.
   */
  static final long SLACK = 3000;

  /**
   * docs/operations.md, Standing invalidation rules: in force until its expiresAt passes or it is
   * lifted.
   */
  Tri inForce(Rule rule) {
    if (!rule.blocking || rule.lifted) {
      return Tri.NO;
    }
    return rule.expiresAt == null ? Tri.YES : passed(rule.expiresAt).not();
  }

  final Map<String, Art> arts = new LinkedHashMap<>();
  final Map<String, Rule> rules = new LinkedHashMap<>();
  final Map<String, Ns> namespaces = new LinkedHashMap<>();

  /** The key the service derived for each descriptor, as first answered. */
  final Map<Desc, String> derivedKeys = new LinkedHashMap<>();

  private long clock;

  /** How much time the walk has made pass, in milliseconds. */
  private long advanced;

  long tick() {
    return ++clock;
  }

  /** Now by the walk's clock: the machine's, and the time the walk made pass. */
  long now() {
    return System.currentTimeMillis() + advanced;
  }

  void advance(long millis) {
    advanced += millis;
  }

  long advanced() {
    return advanced;
  }

  /** Whether the instant has passed: MAYBE within {@link #SLACK} of it. */
  Tri passed(long instant) {
    long now = now();
    return now > instant + SLACK ? Tri.YES : now < instant - SLACK ? Tri.NO : Tri.MAYBE;
  }

  /**
   * docs/configuration.md: a reservation's bytes are refused once its uploadExpiresAt has passed.
   */
  Tri expired(Art art) {
    return passed(art.expiresAt);
  }

  List<Art> in(String ns, State... states) {
    Set<State> wanted = states.length == 0 ? EnumSet.allOf(State.class) : Set.of(states);
    return arts.values().stream().filter(a -> a.ns.equals(ns) && wanted.contains(a.state)).toList();
  }

  Optional<Art> readyUnder(String ns, String kind, String key) {
    List<Art> ready =
        in(ns, State.READY).stream().filter(a -> a.kind.equals(kind) && a.key.equals(key)).toList();
    if (ready.size() > 1) {
      throw new IllegalStateException("model holds two ready artifacts under one key: " + ready);
    }
    return ready.stream().findFirst();
  }

  /**
   * docs/operations.md, Standing invalidation rules: uploads that match an active rule are refused.
   */
  Tri blocks(String ns, String kind, String key, Desc desc, String sha) {
    Tri blocks = Tri.NO;
    for (Rule r : rules.values()) {
      if (r.ns.equals(ns) && r.sel.matches(null, kind, key, desc, sha)) {
        Tri inForce = inForce(r);
        if (inForce == Tri.YES) {
          return Tri.YES;
        }
        if (inForce == Tri.MAYBE) {
          blocks = Tri.MAYBE;
        }
      }
    }
    return blocks;
  }

  /**
   * The answers allowed to a declaration or an entry's PUT. The documents name each refusal but not
   * their order, so where several apply any of them is right.
   */
  Set<Declared> declare(
      String ns, String kind, String key, Desc desc, String sha, long size, boolean leased) {
    Set<Declared> refusals = EnumSet.noneOf(Declared.class);
    Tri blocked = blocks(ns, kind, key, desc, sha);
    if (blocked.may()) {
      refusals.add(Declared.BLOCKED);
    }
    Long quota = namespaces.get(ns).quota;
    if (quota != null && size > quota) {
      refusals.add(Declared.TOO_LARGE);
    }
    Optional<Art> holder = readyUnder(ns, kind, key);
    holder.ifPresent(a -> refusals.add(a.sha.equals(sha) ? Declared.SAME : Declared.CONFLICT));
    // a rule that expires at this very moment may or may not refuse: then what follows may too
    if (!refusals.isEmpty() && !(blocked == Tri.MAYBE && refusals.size() == 1)) {
      return refusals;
    }
    // ADR 0003: dedup when the same namespace has a READY artifact of that SHA-256 and size
    boolean stored =
        in(ns, State.READY).stream().anyMatch(a -> a.sha.equals(sha) && a.size == size);
    if (stored) {
      refusals.add(Declared.DEDUP);
      return refusals;
    }
    // ADR 0019: the lease, checked after every other refusal and after dedup
    Tri inFlight = leased ? leaseRefuses(ns, kind, key, sha) : Tri.NO;
    if (inFlight.may()) {
      refusals.add(Declared.IN_FLIGHT);
    }
    if (inFlight != Tri.YES) {
      refusals.add(Declared.PENDING);
    }
    return refusals;
  }

  /**
   * ADR 0019: the oldest pending reservation of the key whose reservation lives holds a lease for
   * {@link #LEASE} from its declaration; declaring other content meanwhile is refused. Where a
   * reservation is too close to its end to say whether it lives, either answer is allowed.
   */
  Tri leaseRefuses(String ns, String kind, String key, String sha) {
    boolean unsure = false;
    for (Art a : pendingUnder(ns, kind, key)) {
      Tri lives = expired(a).not();
      if (lives == Tri.NO) {
        continue;
      }
      Tri refuses = a.sha.equals(sha) ? Tri.NO : passed(a.reservedAt + LEASE).not();
      if (lives == Tri.MAYBE || unsure) {
        unsure = true;
        if (refuses.may()) {
          return Tri.MAYBE;
        }
        if (lives == Tri.MAYBE) {
          continue;
        }
        return Tri.NO;
      }
      return refuses;
    }
    return Tri.NO;
  }

  /** The key's pending reservations, oldest first. */
  List<Art> pendingUnder(String ns, String kind, String key) {
    return in(ns, State.PENDING).stream()
        .filter(a -> a.kind.equals(kind) && a.key.equals(key))
        .toList();
  }

  Art add(String id, String ns, String kind, String key, Desc desc, String sha, long size) {
    Art art = new Art(id, ns, kind, key, desc, sha, size);
    art.reservedAt = now();
    art.expiresAt = art.reservedAt + TTL;
    arts.put(id, art);
    return art;
  }

  void makeReady(Art art) {
    art.state = State.READY;
    used(art);
  }

  /**
   * docs/operations.md, Quotas: a lookup that answers the artifact or a GET of an entry is a use.
   */
  void used(Art art) {
    art.lastUse = tick();
    art.lastUseAt = now();
  }

  void retire(Art art, State state) {
    art.state = state;
    art.retiredAt = now();
  }

  /**
   * docs/operations.md, Quotas and idle limits: ready artifacts whose last use is older than the
   * namespace's idle limit; each with YES, or MAYBE where it is too close to the limit to say.
   */
  Map<Art, Tri> idle(String ns) {
    long limit = namespaces.get(ns).appliedIdleDays() * Duration.ofDays(1).toMillis();
    Map<Art, Tri> idle = new LinkedHashMap<>();
    for (Art a : in(ns, State.READY)) {
      Tri old = passed(a.lastUseAt + limit);
      if (old.may()) {
        idle.put(a, old);
      }
    }
    return idle;
  }

  /**
   * docs/operations.md, Grace period: what purge may drop now, retired artifacts one grace period
   * after their retirement and reservations one grace period after they expired; YES or MAYBE each.
   */
  Map<Art, Tri> purgeable(List<String> names) {
    Map<Art, Tri> due = new LinkedHashMap<>();
    for (Art a : arts.values()) {
      if (!names.contains(a.ns)) {
        continue;
      }
      Tri past =
          a.retired()
              ? passed(a.retiredAt + GRACE)
              : a.state == State.PENDING ? passed(a.expiresAt + GRACE) : Tri.NO;
      if (past.may()) {
        due.put(a, past);
      }
    }
    return due;
  }

  /** Ready and pending artifacts the selector matches, in the namespace. */
  List<Art> matches(String ns, Sel sel) {
    return in(ns, State.READY, State.PENDING).stream()
        .filter(a -> sel.matches(a.id, a.kind, a.key, a.desc, a.sha))
        .toList();
  }

  /** The miss reasons a lookup of this key may give when nothing blocks it and nothing is ready. */
  Set<String> missReasons(String ns, String kind, String key) {
    Set<String> reasons = new HashSet<>();
    for (Art a : in(ns)) {
      if (a.kind.equals(kind) && a.key.equals(key)) {
        switch (a.state) {
          // an expired reservation is no upload in flight
          case PENDING -> {
            Tri expired = expired(a);
            if (expired.may()) {
              reasons.add("not-found");
            }
            if (expired != Tri.YES) {
              reasons.add("pending");
            }
          }
          case INVALIDATED -> reasons.add("invalidated");
          case EVICTED -> reasons.add("evicted");
          default -> {}
        }
      }
    }
    if (reasons.isEmpty()) {
      reasons.add("not-found");
    }
    return reasons;
  }

  /**
   * docs/operations.md, Quotas: over the quota, least recently used ready artifacts go until usage
   * is at most quota * (1 - margin); the most recently used stays when it fits the quota on its
   * own.
   */
  List<Art> overQuota(String ns, double margin) {
    Long quota = namespaces.get(ns).quota;
    List<Art> ready = new ArrayList<>(in(ns, State.READY));
    long used = ready.stream().mapToLong(a -> a.size).sum();
    List<Art> evicted = new ArrayList<>();
    if (quota == null || used <= quota) {
      return evicted;
    }
    ready.sort(Comparator.comparingLong(a -> a.lastUse));
    Art newest = ready.get(ready.size() - 1);
    long target = (long) Math.floor(quota * (1 - margin));
    for (Art a : ready) {
      if (used <= target) {
        break;
      }
      if (a == newest && a.size <= quota) {
        break;
      }
      evicted.add(a);
      used -= a.size;
    }
    return evicted;
  }
}
