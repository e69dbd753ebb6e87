package dev.pt2cache.lookup;

import dev.pt2cache.artifact.ArtifactKind;

/** Lookups by descriptor exist for descriptor-addressed kinds only. */
public class UnsupportedLookupException extends RuntimeException {

  public UnsupportedLookupException(ArtifactKind kind) {
    super(
        "%s is addressed by PyTorch's own key, not by a descriptor: use GET .../entries/%s/{key}"
            .formatted(kind.wireName(), kind.wireName()));
  }
}
