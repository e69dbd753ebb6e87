package dev.pt2cache.walk;

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
 * What the API must answer, written from DESIGN.md, the README's API and housekeeping sections,
 * openapi.yaml and the ADRs, not from the service's code: artifacts by state, standing rules,
 * reporters and namespace settings, and for each operation the answers the documents allow. Where
 * the documents leave a choice open (which of several refusals comes first, which reason a miss
 * gives when a key has seen several fates), the model allows each of them.
 */
final class WalkModel {

  enum State {
    PENDING,
    READY,
    INVALIDATED,
    EVICTED,
    /** Purged, or a reservation that lost its key: {@code GET .../artifacts/{id}} answers 404. */
    GONE
  }

  /** A descriptor's fields that selectors read; the rest is fixed. */
  record Desc(String model, String version, String torch, String gpu) {}

  /** An artifact: descriptor-addressed (mega-cache, desc set) or key-addressed (desc optional). */
  static final class Art {
    final String id;
    final String ns;
    final String kind;
    final String key;
    final Desc desc;
    final String sha;
    final long size;
    State state;
    long lastUse;

    /** A reservation whose {@code uploadExpiresAt} has passed. */
    boolean expired;

    final Set<String> reporters = new HashSet<>();

    Art(String id, String ns, String kind, String key, Desc desc, String sha, long size) {
      this.id = id;
      this.ns = ns;
      this.kind = kind;
      this.key = key;
      this.desc = desc;
      this.sha = sha;
      this.size = size;
    }

    boolean retired() {
      return state == State.INVALIDATED || state == State.EVICTED;
    }

    @Override
    public String toString() {
      return "%s %s/%s %s %s".formatted(id.substring(0, 8), kind, key.substring(0, 8), sha, state);
    }
  }

  /** An invalidation's selector; null fields are not given. */
  record Sel(
      String kind,
      String key,
      String sha256,
      String modelName,
      String modelVersion,
      String torch,
      String gpu,
      List<String> ids) {

    Sel withKind(String value) {
      return new Sel(value, key, sha256, modelName, modelVersion, torch, gpu, ids);
    }

    Sel withKey(String value) {
      return new Sel(kind, value, sha256, modelName, modelVersion, torch, gpu, ids);
    }

    Sel withSha256(String value) {
      return new Sel(kind, key, value, modelName, modelVersion, torch, gpu, ids);
    }

    Sel withModel(String name, String version) {
      return new Sel(kind, key, sha256, name, version, torch, gpu, ids);
    }

    Sel withTorch(String value) {
      return new Sel(kind, key, sha256, modelName, modelVersion, value, gpu, ids);
    }

    Sel withGpu(String value) {
      return new Sel(kind, key, sha256, modelName, modelVersion, torch, value, ids);
    }

    Sel withIds(List<String> value) {
      return new Sel(kind, key, sha256, modelName, modelVersion, torch, gpu, value);
    }

    boolean hasDescriptorField() {
      return modelName != null || modelVersion != null || torch != null || gpu != null;
    }

    /** Every given field matches the artifact (or the artifact about to be declared). */
    boolean matches(String id, String artKind, String artKey, Desc desc, String sha) {
      if (ids != null && (id == null || !ids.contains(id))) {
        return false;
      }
      if (kind != null && !kind.equals(artKind)
          || key != null && !key.equals(artKey)
          || sha256 != null && !sha256.equals(sha)) {
        return false;
      }
      if (hasDescriptorField()) {
        return desc != null
            && (modelName == null || modelName.equals(desc.model()))
            && (modelVersion == null || modelVersion.equals(desc.version()))
            && (torch == null || torch.equals(desc.torch()))
            && (gpu == null || gpu.equals(desc.gpu()));
      }
      return true;
    }
  }

  static final class Rule {
    final String id;
    final String ns;
    final Sel sel;
    final boolean blocking;
    final int invalidated;
    boolean lifted;

    Rule(String id, String ns, Sel sel, boolean blocking, int invalidated) {
      this.id = id;
      this.ns = ns;
      this.sel = sel;
      this.blocking = blocking;
      this.invalidated = invalidated;
    }

    boolean inForce() {
      return blocking && !lifted;
    }
  }

  static final class Ns {
    final String name;
    Long quota;
    Integer reportThreshold;

    Ns(String name) {
      this.name = name;
    }
  }

  /** The answers a declaration ({@code POST .../artifacts}) or an entry's {@code PUT} may get. */
  enum Declared {
    BLOCKED(409, "blocked-by-rule"),
    TOO_LARGE(413, "exceeds-quota"),
    CONFLICT(409, "key-conflict"),
    SAME(200, null),
    DEDUP(201, null),
    PENDING(201, null),
    STORED(201, null);

    final int status;
    final String type;

    Declared(int status, String type) {
      this.status = status;
      this.type = type;
    }
  }

  final Map<String, Art> arts = new LinkedHashMap<>();
  final Map<String, Rule> rules = new LinkedHashMap<>();
  final Map<String, Ns> namespaces = new LinkedHashMap<>();

  /** The key the service derived for each descriptor, as first answered. */
  final Map<Desc, String> derivedKeys = new LinkedHashMap<>();

  private long clock;

  long tick() {
    return ++clock;
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

  List<Rule> inForce(String ns) {
    return rules.values().stream().filter(r -> r.ns.equals(ns) && r.inForce()).toList();
  }

  /** README, Standing invalidation rules: uploads that match an active rule are refused. */
  boolean blocks(String ns, String kind, String key, Desc desc, String sha) {
    return inForce(ns).stream().anyMatch(r -> r.sel.matches(null, kind, key, desc, sha));
  }

  /**
   * The answers allowed to a declaration or an entry's PUT. The documents name each refusal but not
   * their order, so where several apply any of them is right.
   */
  Set<Declared> declare(String ns, String kind, String key, Desc desc, String sha, long size) {
    Set<Declared> refusals = EnumSet.noneOf(Declared.class);
    if (blocks(ns, kind, key, desc, sha)) {
      refusals.add(Declared.BLOCKED);
    }
    Long quota = namespaces.get(ns).quota;
    if (quota != null && size > quota) {
      refusals.add(Declared.TOO_LARGE);
    }
    Optional<Art> holder = readyUnder(ns, kind, key);
    holder.ifPresent(a -> refusals.add(a.sha.equals(sha) ? Declared.SAME : Declared.CONFLICT));
    if (!refusals.isEmpty()) {
      return refusals;
    }
    // ADR 0003: dedup when the same namespace has a READY artifact of that SHA-256 and size
    boolean stored =
        in(ns, State.READY).stream().anyMatch(a -> a.sha.equals(sha) && a.size == size);
    return EnumSet.of(stored ? Declared.DEDUP : Declared.PENDING);
  }

  Art add(String id, String ns, String kind, String key, Desc desc, String sha, long size) {
    Art art = new Art(id, ns, kind, key, desc, sha, size);
    arts.put(id, art);
    return art;
  }

  void makeReady(Art art) {
    art.state = State.READY;
    art.lastUse = tick();
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
          case PENDING -> reasons.add(a.expired ? "not-found" : "pending");
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
   * README, Quotas: over the quota, least recently used ready artifacts go until usage is at most
   * quota * (1 - margin); the most recently used stays when it fits the quota on its own.
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
