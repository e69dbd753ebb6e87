package dev.pt2cache.artifact;

import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.Path;
import jakarta.persistence.criteria.Predicate;
import jakarta.persistence.criteria.Root;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Which artifacts of a namespace a listing or an invalidation concerns: every field given must
 * match. One definition serves queries and bulk updates alike.
 */
public record ArtifactFilter(
    Collection<UUID> ids,
    ArtifactKind kind,
    ArtifactState state,
    String key,
    String modelName,
    String modelVersion,
    String torch,
    String triton,
    String cuda,
    String gpu,
    String capability,
    Map<String, String> tags) {

  /** True when no field narrows the selection. */
  public boolean isEmpty() {
    return (ids == null || ids.isEmpty())
        && kind == null
        && state == null
        && key == null
        && modelName == null
        && modelVersion == null
        && torch == null
        && triton == null
        && cuda == null
        && gpu == null
        && capability == null
        && (tags == null || tags.isEmpty());
  }

  Predicate toPredicate(String namespace, Root<Artifact> root, CriteriaBuilder cb) {
    List<Predicate> all = new ArrayList<>();
    all.add(cb.equal(root.get("namespace"), namespace));
    if (ids != null && !ids.isEmpty()) {
      all.add(root.get("id").in(ids));
    }
    equal(all, cb, root.get("kind"), kind);
    equal(all, cb, root.get("state"), state);
    equal(all, cb, root.get("key"), key);
    Path<Object> columns = root.get("columns");
    equal(all, cb, columns.get("modelName"), modelName);
    equal(all, cb, columns.get("modelVersion"), modelVersion);
    equal(all, cb, columns.get("torch"), torch);
    equal(all, cb, columns.get("triton"), triton);
    equal(all, cb, columns.get("cuda"), cuda);
    equal(all, cb, columns.get("gpu"), gpu);
    equal(all, cb, columns.get("capability"), capability);
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
