package dev.pt2cache.artifact;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.model.ArtifactState;
import dev.pt2cache.api.model.EvictionReason;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.descriptor.DescriptorMapper;
import java.util.Locale;

/** Artifacts as the API contract shows them. */
public final class ArtifactMapper {

  private ArtifactMapper() {}

  public static dev.pt2cache.api.model.Artifact toApi(Artifact a) {
    String self = "/v1/namespaces/" + a.namespace() + "/artifacts/" + a.id();
    var api =
        new dev.pt2cache.api.model.Artifact()
            .id(a.id())
            .namespace(a.namespace())
            .kind(toApi(a.kind()))
            .key(a.key())
            .state(toApi(a.state()))
            .sha256(a.sha256())
            .sizeBytes(a.sizeBytes())
            .descriptor(DescriptorMapper.toApi(a.descriptor()))
            .createdAt(utc(a.createdAt()))
            .readyAt(utc(a.readyAt()))
            .lastHitAt(utc(a.lastHitAt()))
            .hitCount(a.hitCount())
            .reportCount(a.reportCount())
            .invalidatedAt(utc(a.invalidatedAt()))
            .invalidationId(a.invalidationId())
            .evictedAt(utc(a.evictedAt()))
            .uploadedBy(a.uploadedBy())
            .uploadedById(a.uploadedById())
            .evictionReason(
                a.evictionReason() == null
                    ? null
                    : EvictionReason.fromValue(a.evictionReason().name().toLowerCase(Locale.ROOT)));
    switch (a.state()) {
      case PENDING -> api.uploadUrl(self + "/content").uploadExpiresAt(utc(a.uploadExpiresAt()));
      case READY -> api.downloadUrl(self + "/content");
      case INVALIDATED, EVICTED -> {}
    }
    return api;
  }

  public static ArtifactState toApi(dev.pt2cache.artifact.ArtifactState state) {
    return ArtifactState.fromValue(state.name().toLowerCase(Locale.ROOT));
  }

  public static Kind toApi(ArtifactKind kind) {
    return Kind.fromValue(kind.wireName());
  }

  public static ArtifactKind toDomain(Kind kind) {
    return kind == null ? null : ArtifactKind.fromWire(kind.getValue());
  }

  public static dev.pt2cache.artifact.ArtifactState toDomain(ArtifactState state) {
    return state == null
        ? null
        : dev.pt2cache.artifact.ArtifactState.valueOf(state.getValue().toUpperCase(Locale.ROOT));
  }
}
