package dev.pt2cache.invalidation;

import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactKind;
import java.util.List;
import java.util.Map;
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
    Map<String, String> tags) {

  /** The one artifact with this id. */
  public static Selector ofArtifact(UUID id) {
    return new Selector(
        List.of(id), null, null, null, null, null, null, null, null, null, null, null);
  }

  static Selector ofSha256(String sha256) {
    return new Selector(null, null, null, sha256, null, null, null, null, null, null, null, null);
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
        tags);
  }
}
