package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What an invalidation retires: every field given must match. Kept as the audit record's JSON, with
 * kinds by their wire names.
 */
public record Selector(
    List<UUID> artifactIds,
    String kind,
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
   * A tag given as {@code null} means the same as one left out, as in descriptors
   * (docs/key-derivation.md): dropped here, so what is applied is what the audit record keeps, and
   * a selector of null tags alone is empty. Artifact ids are kept as given: the API refuses a null
   * among them ({@link #requireNoNullIds}), and a rule stored with one before that keeps meaning
   * what it meant (migration V8 lifts those that meant everything).
   */
  public Selector {
    if (tags != null && tags.values().stream().anyMatch(Objects::isNull)) {
      Map<String, String> given = new LinkedHashMap<>();
      tags.forEach(
          (name, value) -> {
            if (value != null) {
              given.put(name, value);
            }
          });
      tags = given;
    }
  }

  /**
   * Refuses a null among artifact ids sent to the API (a typo, not a wish to match nothing), and an
   * empty list, which would select by the other members alone: what a script sends when the listing
   * it built the ids from came back empty.
   */
  static void requireNoNullIds(List<UUID> artifactIds) {
    if (artifactIds != null && artifactIds.stream().anyMatch(Objects::isNull)) {
      throw new InvalidSelectorException("artifactIds holds a null; give artifact ids only");
    }
    if (artifactIds != null && artifactIds.isEmpty()) {
      throw new InvalidSelectorException(
          "artifactIds is empty; give at least one artifact id, or leave it out");
    }
  }

  /** The one artifact with this id. */
  public static Selector ofArtifact(UUID id) {
    return byIdOrDigest(List.of(id), null);
  }

  static Selector ofSha256(String sha256) {
    return byIdOrDigest(null, sha256);
  }

  private static Selector byIdOrDigest(List<UUID> ids, String sha256) {
    return new Selector(
        ids, null, null, sha256, null, null, null, null, null, null, null, null, null, null, null);
  }

  ArtifactFilter toFilter() {
    return new ArtifactFilter(
        artifactIds,
        kind == null ? null : ArtifactKind.fromWire(kind),
        null,
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
}
