package dev.pt2cache.artifact;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * What the blocking rules in force make of what is read: a ready artifact a rule matches is retired
 * from the rule's commit on, whether or not its batch has come (ADR 0029, "Every answer agrees"). A
 * metadata read or a listing shows it invalidated; the key's holder, asked where an upload is
 * reserved or committed, is retired now; an artifact about to be made ready is refused. No method
 * here is transactional: each runs in its caller's transaction, or in none.
 */
@Component
class RulesInForce {

  private final ArtifactRepository artifacts;
  private final ArtifactPolicy policy;

  RulesInForce(ArtifactRepository artifacts, ArtifactPolicy policy) {
    this.artifacts = artifacts;
    this.policy = policy;
  }

  /**
   * The artifacts as the blocking rules in force leave them: a ready one a rule matches is retired
   * from the rule's commit on, whether or not its batch has come (ADR 0029, "Every answer agrees"),
   * so it is shown invalidated, and left out of a listing of a state it no longer has. The rules
   * are read once, and only where a ready artifact is there to test.
   */
  List<Artifact> asRulesLeaveThem(String namespace, List<Artifact> read, ArtifactState listed) {
    if (read.stream().noneMatch(a -> a.state() == ArtifactState.READY)) {
      return read;
    }
    Function<ArtifactFilter.Subject, Optional<ArtifactPolicy.Refusing>> rules =
        policy.rulesInForce(namespace);
    List<Artifact> shown = new ArrayList<>(read.size());
    for (Artifact artifact : read) {
      Optional<ArtifactPolicy.Refusing> refusing =
          artifact.state() == ArtifactState.READY
              ? rules.apply(artifact.subject())
              : Optional.empty();
      refusing.ifPresent(artifact::shownRetiredBy);
      if (listed == null || artifact.state() == listed) {
        shown.add(artifact);
      }
    }
    return shown;
  }

  /**
   * The key's ready artifact, unless a blocking rule in force matches it: that one is retired now,
   * as the rule's batch will retire it (ADR 0029, "Every answer agrees"), and the key holds
   * nothing. Otherwise an upload of the same bytes was answered "the key holds them" (and one of
   * other bytes 409) with an artifact that GET refuses, until its batch came. Retiring a match is
   * right whoever asks; the reservation and the commit ask under the key's lock, so that no upload
   * makes another artifact ready under the key meanwhile.
   *
   * <p>Not transactional of its own: it runs in the caller's transaction (the reservation's, the
   * commit's, or {@link ArtifactWrites#readyHolder}'s), where the retirement commits or rolls back
   * with what the caller decides.
   */
  Optional<Artifact> readyHolder(String namespace, ArtifactKind kind, String key) {
    return artifacts.findReady(namespace, kind, key).filter(ready -> !policy.retiredByRule(ready));
  }

  /**
   * Why a standing rule refuses the artifact, asked again where it is made ready: a rule made since
   * the upload was first checked did not see its reservation to retire it. The caller holds the
   * rules lock (shared), so no rule is being made meanwhile.
   */
  Optional<String> refusal(Artifact artifact) {
    return policy.refusal(artifact.namespace(), artifact::subject);
  }
}
