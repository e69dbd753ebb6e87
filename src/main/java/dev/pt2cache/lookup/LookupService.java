package dev.pt2cache.lookup;

import dev.pt2cache.artifact.Artifact;
import dev.pt2cache.artifact.ArtifactKind;
import dev.pt2cache.artifact.ArtifactReader;
import dev.pt2cache.artifact.HitRecorder;
import dev.pt2cache.artifact.Served;
import dev.pt2cache.descriptor.CacheKeys;
import dev.pt2cache.descriptor.Descriptor;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.system.HitCounters;
import dev.pt2cache.system.LogContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.springframework.stereotype.Service;

/** Answers "did an identical node already compile this?" */
@Service
public class LookupService {

  private final NamespaceService namespaces;
  private final ArtifactReader reader;
  private final HitRecorder hits;
  private final MissExplainer explainer;
  private final HitCounters lookups;

  LookupService(
      NamespaceService namespaces,
      ArtifactReader reader,
      HitRecorder hits,
      MissExplainer explainer,
      MeterRegistry registry) {
    this.namespaces = namespaces;
    this.reader = reader;
    this.hits = hits;
    this.explainer = explainer;
    this.lookups =
        new HitCounters(registry, "pt2cache.lookups", "Lookups by descriptor, by result");
  }

  /**
   * A hit costs one statement, outside any transaction: the key's ready artifact and the rules in
   * force are read together. A miss reads twice more, for what became of the key and for the
   * closest match.
   */
  public LookupOutcome lookup(String namespace, ArtifactKind kind, Descriptor descriptor) {
    if (!kind.descriptorAddressed()) {
      throw new UnsupportedLookupException(kind);
    }
    namespaces.require(namespace);
    String key = CacheKeys.derive(kind.wireName(), descriptor);
    LogContext.key(kind.wireName(), key);
    Optional<Served> found = reader.readyUnder(namespace, kind, key);
    boolean hit = found.filter(Served::servable).isPresent();
    count(namespace, kind, hit);
    if (hit) {
      Artifact artifact = found.get().artifact();
      LogContext.artifact(artifact.id(), kind.wireName(), key);
      hits.record(artifact);
      return new LookupOutcome(key, artifact, null);
    }
    if (found.filter(Served::refused).isPresent()) {
      return new LookupOutcome(key, null, explainer.blocked(found.get().refusal()));
    }
    return new LookupOutcome(key, null, explainer.explain(namespace, kind, key, descriptor));
  }

  private void count(String namespace, ArtifactKind kind, boolean hit) {
    hits.lookup(namespace, hit);
    lookups.count(namespace, kind.wireName(), hit);
  }
}
