package dev.pt2cache.lookup;

import dev.pt2cache.artifact.Artifact;
import dev.pt2cache.artifact.ArtifactFilter;
import dev.pt2cache.artifact.ArtifactKind;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactReader;
import dev.pt2cache.artifact.ArtifactState;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.descriptor.DescriptorDiff;
import dev.pt2cache.lookup.LookupOutcome.Closest;
import dev.pt2cache.lookup.LookupOutcome.Miss;
import dev.pt2cache.lookup.LookupOutcome.MissReason;
import dev.pt2cache.system.ServiceClock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Tells a client why a lookup missed: what became of the key, and which stored artifact of the same
 * model came closest and in which descriptor fields it differs (a torch patch release, a different
 * GPU name, a compile option), so that "identical" nodes that silently miss can be diagnosed.
 */
@Component
class MissExplainer {

  private final ArtifactReader reader;
  private final ArtifactPolicy policy;
  private final ServiceClock clock;

  MissExplainer(ArtifactReader reader, ArtifactPolicy policy, ServiceClock clock) {
    this.reader = reader;
    this.policy = policy;
    this.clock = clock;
  }

  /** Artifacts like the one asked for are refused by a standing rule. */
  Miss blocked(String refusal) {
    return new Miss(MissReason.BLOCKED, refusal + ": compile locally", null);
  }

  Miss explain(String namespace, ArtifactKind kind, String key, Descriptor requested) {
    // a standing rule that refuses this descriptor would refuse the node's upload too: say so
    // now, rather than "compile and upload"
    Optional<String> refusal =
        policy.refusal(
            namespace, () -> new ArtifactFilter.Subject(null, kind, key, null, requested));
    if (refusal.isPresent()) {
      return blocked(refusal.get());
    }
    Optional<Artifact> latest = reader.latestUnder(namespace, kind, key);
    Closest closest = closest(namespace, kind, requested);
    if (latest.isEmpty()) {
      return new Miss(
          MissReason.NOT_FOUND, "nothing is stored under this key: compile and upload", closest);
    }
    Artifact last = latest.get();
    if (last.state() == ArtifactState.PENDING && last.uploadExpiresAt().isBefore(clock.now())) {
      return new Miss(
          MissReason.NOT_FOUND,
          "an upload under this key was reserved but never completed: compile and upload",
          closest);
    }
    return switch (last.state()) {
      case READY ->
          new Miss(
              MissReason.PENDING,
              "artifact %s became ready under this key just now: look up again"
                  .formatted(last.id()),
              closest);
      case EVICTED ->
          new Miss(
              MissReason.EVICTED,
              "artifact %s under this key was evicted (%s): compile and upload again"
                  .formatted(last.id(), last.evictionReason()),
              closest);
      case PENDING ->
          new Miss(
              MissReason.PENDING,
              "artifact %s is being uploaded under this key; it is served once verified"
                  .formatted(last.id()),
              closest);
      case INVALIDATED ->
          new Miss(
              MissReason.INVALIDATED,
              // the service's own retirement of damaged or lost content says so, as a download's
              // 410 does: no one invalidated it, and the upload stores the content anew
              reader
                  .retiredByService(last)
                  .orElse(
                      "artifact %s under this key was invalidated (invalidation %s): compile and upload again"
                          .formatted(last.id(), last.invalidationId())),
              closest);
    };
  }

  private Closest closest(String namespace, ArtifactKind kind, Descriptor requested) {
    List<Artifact> candidates = reader.readyOfModel(namespace, kind, requested.model().name());
    if (candidates.isEmpty()) {
      return null;
    }
    // a ready artifact a rule in force matches is retired, its batch come or not (ADR 0029)
    var rules = policy.rulesInForce(namespace);
    return candidates.stream()
        .filter(a -> a.descriptor() != null)
        .filter(a -> rules.apply(a.subject()).isEmpty())
        .map(a -> new Closest(a.id(), a.key(), DescriptorDiff.between(requested, a.descriptor())))
        .min(Comparator.comparingInt(c -> c.differences().size()))
        .orElse(null);
  }
}
