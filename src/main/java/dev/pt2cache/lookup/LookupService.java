package dev.pt2cache.lookup;

import dev.pt2cache.artifact.Artifact;
import dev.pt2cache.artifact.ArtifactKind;
import dev.pt2cache.artifact.ArtifactPolicy;
import dev.pt2cache.artifact.ArtifactReader;
import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.LogContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Answers "did an identical node already compile this?" */
@Service
public class LookupService {

  private final NamespaceService namespaces;
  private final ArtifactReader reader;
  private final HitRecorder hits;
  private final MissExplainer explainer;
  private final MeterRegistry registry;
  private final ArtifactPolicy policy;

  LookupService(
      NamespaceService namespaces,
      ArtifactReader reader,
      HitRecorder hits,
      MissExplainer explainer,
      MeterRegistry registry,
      ArtifactPolicy policy) {
    this.namespaces = namespaces;
    this.reader = reader;
    this.hits = hits;
    this.explainer = explainer;
    this.registry = registry;
    this.policy = policy;
  }

  /** One read-only transaction for the whole lookup: one connection, one session. */
  @Transactional(readOnly = true)
  public LookupOutcome lookup(String namespace, ArtifactKind kind, Descriptor descriptor) {
    if (!kind.descriptorAddressed()) {
      throw new UnsupportedLookupException(kind);
    }
    namespaces.require(namespace);
    String key = CacheKeys.derive(kind.wireName(), descriptor);
    LogContext.key(kind.wireName(), key);
    Optional<Artifact> ready = reader.findReady(namespace, kind, key);
    Optional<String> refusal =
        ready.flatMap(artifact -> policy.refusal(namespace, artifact::subject));
    boolean hit = ready.isPresent() && refusal.isEmpty();
    count(namespace, kind, hit);
    if (hit) {
      Artifact artifact = ready.get();
      LogContext.artifact(artifact.id(), kind.wireName(), key);
      hits.record(artifact);
      return new LookupOutcome(key, artifact, null);
    }
    if (refusal.isPresent()) {
      return new LookupOutcome(key, null, explainer.blocked(refusal.get()));
    }
    return new LookupOutcome(key, null, explainer.explain(namespace, kind, key, descriptor));
  }

  private void count(String namespace, ArtifactKind kind, boolean hit) {
    hits.lookup(namespace, hit);
    registry
        .counter(
            "pt2cache.lookups",
            "namespace",
            namespace,
            "kind",
            kind.wireName(),
            "result",
            hit ? "hit" : "miss")
        .increment();
  }
}
