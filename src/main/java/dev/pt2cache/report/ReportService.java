package dev.pt2cache.report;

import dev.pt2cache.artifact.ArtifactNotFoundException;
import dev.pt2cache.artifact.ArtifactNotReadyException;
import dev.pt2cache.artifact.ArtifactState;
import dev.pt2cache.invalidation.Invalidation;
import dev.pt2cache.invalidation.InvalidationService;
import dev.pt2cache.invalidation.Selector;
import dev.pt2cache.namespace.NamespaceService;
import dev.pt2cache.report.ReportStore.Counted;
import dev.pt2cache.report.ReportStore.Reported;
import dev.pt2cache.system.Caller;
import dev.pt2cache.system.LockWait;
import dev.pt2cache.system.LogContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reports from serving nodes that an artifact failed them. Recorded once per reporter, counted
 * beside the artifact, and, where the namespace opts in, turned into an invalidation by the first
 * new reporter at or past its threshold (docs/adr/0017).
 */
@Service
public class ReportService {

  private static final Logger log = LoggerFactory.getLogger(ReportService.class);
  private static final int NEWEST_IN_ANSWER = 20;
  private static final int REASON_LIMIT = 1000;

  /** The outcome of a report: the artifact's reports now, and whether this reporter was new. */
  public record Outcome(ArtifactReports reports, boolean firstFromReporter) {}

  private final NamespaceService namespaces;
  private final ReportStore store;
  private final InvalidationService invalidations;
  private final LockWait lockWait;
  private final MeterRegistry metrics;

  ReportService(
      NamespaceService namespaces,
      ReportStore store,
      InvalidationService invalidations,
      LockWait lockWait,
      MeterRegistry metrics) {
    this.namespaces = namespaces;
    this.store = store;
    this.invalidations = invalidations;
    this.lockWait = lockWait;
    this.metrics = metrics;
  }

  /**
   * Records that {@code reporter} found the artifact failing, in one short transaction; the answer
   * is read after it committed, so no report waits on another's answer.
   */
  public Outcome report(
      String namespace, UUID id, String reporter, Failure problem, String detail) {
    namespaces.require(namespace);
    RecordedOn recorded =
        // the artifact's row, locked by a writer that never ends, answers busy (docs/adr/0039)
        lockWait.bounded(() -> record(namespace, id, reporter, problem, detail));
    // counted once committed: a report refused or rolled back is no report
    counter(namespace, recorded.artifact(), problem).increment();
    return new Outcome(
        store.summary(namespace, id, NEWEST_IN_ANSWER).orElseThrow(() -> notFound(namespace, id)),
        recorded.counted());
  }

  @Transactional(readOnly = true)
  public ArtifactReports reports(String namespace, UUID id, int limit) {
    namespaces.require(namespace);
    return store.summary(namespace, id, limit).orElseThrow(() -> notFound(namespace, id));
  }

  /**
   * Clears the artifact's reports, for reports an operator found to be the nodes' own fault. An
   * artifact that reports retired stays retired.
   */
  public ArtifactReports clear(String namespace, UUID id) {
    namespaces.require(namespace);
    int cleared =
        lockWait
            .bounded(() -> store.clear(namespace, id))
            .orElseThrow(() -> notFound(namespace, id));
    log.info("artifact {}: {} reports cleared by {}", id, cleared, Caller.tokenName());
    return store
        .summary(namespace, id, NEWEST_IN_ANSWER)
        .orElseThrow(() -> notFound(namespace, id));
  }

  /**
   * The reported artifact, and whether this report counted: false for a reporter heard before, or
   * one beyond the cap of reporters kept per artifact.
   */
  private record RecordedOn(Reported artifact, boolean counted) {}

  private RecordedOn record(
      String namespace, UUID id, String reporter, Failure problem, String detail) {
    Reported artifact = store.find(namespace, id).orElseThrow(() -> notFound(namespace, id));
    LogContext.artifact(id, artifact.kind().wireName(), artifact.key());
    if (artifact.state() == ArtifactState.PENDING) {
      throw new ArtifactNotReadyException(
          "artifact " + id + " is pending: no node can have loaded it yet");
    }
    if (!store.record(id, reporter, problem, detail)) {
      log.warn("artifact {} reported again by {}: {}", id, reporter, problem.wireName());
      retireIfLowered(namespace, id, artifact, problem, detail);
      return new RecordedOn(artifact, false);
    }
    Optional<Counted> counted = store.countOneMore(id);
    if (counted.isEmpty()) {
      store.forget(id, reporter);
      log.warn("artifact {} reported by {}, beyond the reporters kept: not counted", id, reporter);
      retireIfLowered(namespace, id, artifact, problem, detail);
      return new RecordedOn(artifact, false);
    }
    int count = counted.get().reportCount();
    log.warn(
        "artifact {} reported by {} ({} distinct reporters): {}{}",
        id,
        reporter,
        count,
        problem.wireName(),
        detail == null ? "" : ": " + detail);
    Integer threshold = artifact.invalidateAfterReports();
    if (threshold != null) {
      retireIfDue(namespace, id, counted.get(), threshold, problem, detail);
    }
    return new RecordedOn(artifact, true);
  }

  /**
   * For a report that counted no one new (a reporter heard before, or one beyond the cap): the
   * reporters already counted may reach a threshold set or lowered since they were heard.
   */
  private void retireIfLowered(
      String namespace, UUID id, Reported artifact, Failure problem, String detail) {
    Integer threshold = artifact.invalidateAfterReports();
    if (artifact.state() == ArtifactState.READY && threshold != null) {
      retireIfDue(namespace, id, store.counted(id), threshold, problem, detail);
    }
  }

  /** Retires the artifact once its distinct reporters reach the namespace's threshold. */
  private void retireIfDue(
      String namespace, UUID id, Counted counted, int threshold, Failure problem, String detail) {
    if (counted.state() != ArtifactState.READY || counted.reportCount() < threshold) {
      return;
    }
    Invalidation retired =
        invalidations.invalidate(
            namespace,
            Selector.ofArtifact(id),
            reason(counted.reportCount(), threshold, problem, detail),
            Invalidation.Rule.NONE);
    log.warn("artifact {} retired by invalidation {} after reports", id, retired.id());
  }

  private Counter counter(String namespace, Reported artifact, Failure problem) {
    return Counter.builder("pt2cache.artifact.reports")
        .description("Reports from serving nodes that an artifact failed them")
        .tag("namespace", namespace)
        .tag("kind", artifact.kind().wireName())
        .tag("problem", problem.wireName())
        .register(metrics);
  }

  private static String reason(int count, int threshold, Failure problem, String detail) {
    String reason =
        "reported as failing by %d distinct reporters (the namespace retires at %d); latest: %s%s"
            .formatted(count, threshold, problem.wireName(), detail == null ? "" : ": " + detail);
    return reason.length() <= REASON_LIMIT ? reason : reason.substring(0, REASON_LIMIT);
  }

  private static ArtifactNotFoundException notFound(String namespace, UUID id) {
    return new ArtifactNotFoundException(
        "artifact %s does not exist in namespace %s".formatted(id, namespace));
  }
}
