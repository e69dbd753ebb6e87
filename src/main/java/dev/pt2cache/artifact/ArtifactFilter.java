package dev.pt2cache.artifact;

import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.descriptor.NulCharacterException;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.Path;
import jakarta.persistence.criteria.Predicate;
import jakarta.persistence.criteria.Root;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Which artifacts of a namespace a listing, an invalidation or a standing rule concerns: every
 * field given must match. One definition serves queries, bulk updates and in-memory matching.
 */
public record ArtifactFilter(
    Collection<UUID> ids,
    ArtifactKind kind,
    ArtifactState state,
    String key,
    String sha256,
    String modelName,
    String modelVersion,
    String torch,
    String triton,
    String cuda,
    String gpu,
    String capability,
    Map<String, String> tags,
    String modelFingerprint,
    String rocm,
    String python) {

  /**
   * Text holding U+0000 is refused ({@link NulCharacterException}, a 400) before it reaches a
   * query: PostgreSQL cannot compare it, and a tag filter's NUL (bound into a JSON function) broke
   * the protocol itself, which dropped the pooled connection and answered a caller's typo with 503
   * database-unavailable.
   */
  public ArtifactFilter {
    refuseNul("key", key);
    refuseNul("sha256", sha256);
    refuseNul("modelName", modelName);
    refuseNul("modelVersion", modelVersion);
    refuseNul("torch", torch);
    refuseNul("triton", triton);
    refuseNul("cuda", cuda);
    refuseNul("gpu", gpu);
    refuseNul("capability", capability);
    refuseNul("modelFingerprint", modelFingerprint);
    refuseNul("rocm", rocm);
    refuseNul("python", python);
    if (tags != null) {
      tags.forEach(
          (name, value) -> {
            refuseNul("tags", name);
            refuseNul("tags." + name, value);
          });
    }
  }

  private static void refuseNul(String field, String value) {
    NulCharacterException.refuseIn(value, field);
  }

  /** What a filter is matched against in memory: an artifact, or one about to be stored. */
  public record Subject(
      UUID id, ArtifactKind kind, String key, String sha256, Descriptor descriptor) {}

  /** The same filter, narrowed to ready artifacts. */
  public ArtifactFilter readyOnly() {
    return new ArtifactFilter(
        ids,
        kind,
        ArtifactState.READY,
        key,
        sha256,
        modelName,
        modelVersion,
        torch,
        triton,
        cuda,
        gpu,
        capability,
        tags,
        modelFingerprint,
        rocm,
        python);
  }

  /** True when no field narrows the selection. */
  public boolean isEmpty() {
    return (ids == null || ids.isEmpty())
        && kind == null
        && state == null
        && key == null
        && sha256 == null
        && modelName == null
        && modelVersion == null
        && torch == null
        && triton == null
        && cuda == null
        && gpu == null
        && capability == null
        && (tags == null || tags.isEmpty())
        && modelFingerprint == null
        && rocm == null
        && python == null;
  }

  /** The same test as {@link #toPredicate}, on a subject in memory (its state aside). */
  public boolean matches(Subject s) {
    Descriptor d = s.descriptor();
    // an upload not yet reserved has no id: ids name stored artifacts, never it (a null among
    // them, which an older instance let through, names nothing)
    return (ids == null || ids.isEmpty() || (s.id() != null && ids.contains(s.id())))
        && same(kind, s.kind())
        && same(key, s.key())
        && same(sha256, s.sha256())
        && same(modelName, d, x -> x.model().name())
        && same(modelVersion, d, x -> x.model().version())
        && same(torch, d, x -> x.software().torch())
        && same(triton, d, x -> x.software().triton())
        && same(cuda, d, x -> x.software().cuda())
        && same(gpu, d, x -> x.hardware().gpu())
        && same(capability, d, x -> x.hardware().capability())
        && (tags == null || tags.isEmpty() || hasTags(d))
        && same(modelFingerprint, d, x -> x.model().fingerprint())
        && same(rocm, d, x -> x.software().rocm())
        && same(python, d, x -> x.software().python());
  }

  private boolean hasTags(Descriptor d) {
    Map<String, String> actual = d == null ? null : d.hardware().tags();
    return actual != null
        && tags.entrySet().stream().allMatch(t -> t.getValue().equals(actual.get(t.getKey())));
  }

  private static boolean same(Object wanted, Object actual) {
    return wanted == null || wanted.equals(actual);
  }

  private static boolean same(String wanted, Descriptor d, Function<Descriptor, String> field) {
    return wanted == null || (d != null && Objects.equals(wanted, field.apply(d)));
  }

  Predicate toPredicate(String namespace, Root<Artifact> root, CriteriaBuilder cb) {
    List<Predicate> all = new ArrayList<>();
    all.add(cb.equal(root.get("namespace"), namespace));
    if (ids != null && !ids.isEmpty()) {
      all.add(root.get("id").in(ids));
    }
    equal(all, cb, root.get("kind"), kind);
    if (key != null && kind == null) {
      // always true, and it lets (namespace, kind, cache_key) serve a key given alone: PostgreSQL
      // 17 cannot skip the index's middle column, and scanned the table (126 ms at 10^6 rows,
      // 0.5 ms with this)
      all.add(root.get("kind").in((Object[]) ArtifactKind.values()));
    }
    equal(all, cb, root.get("state"), state);
    equal(all, cb, root.get("key"), key);
    equal(all, cb, root.get("sha256"), sha256);
    Path<Object> columns = root.get("columns");
    equal(all, cb, columns.get("modelName"), modelName);
    equal(all, cb, columns.get("modelVersion"), modelVersion);
    equal(all, cb, columns.get("torch"), torch);
    equal(all, cb, columns.get("triton"), triton);
    equal(all, cb, columns.get("cuda"), cuda);
    equal(all, cb, columns.get("gpu"), gpu);
    equal(all, cb, columns.get("capability"), capability);
    equal(all, cb, columns.get("modelFingerprint"), modelFingerprint);
    equal(all, cb, columns.get("rocm"), rocm);
    equal(all, cb, columns.get("python"), python);
    if (tags != null) {
      tags.forEach(
          (name, value) ->
              all.add(
                  cb.isTrue(
                      cb.function(
                          JsonbFunctions.HAS_TAG,
                          Boolean.class,
                          columns.get("hardwareTags"),
                          cb.literal(name),
                          cb.literal(value)))));
    }
    return cb.and(all.toArray(Predicate[]::new));
  }

  private static void equal(List<Predicate> all, CriteriaBuilder cb, Path<?> path, Object value) {
    if (value != null) {
      all.add(cb.equal(path, value));
    }
  }
}
