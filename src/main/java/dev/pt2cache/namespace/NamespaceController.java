package dev.pt2cache.namespace;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.NamespacesApi;
import dev.pt2cache.api.model.NamespaceList;
import dev.pt2cache.api.model.NamespaceSettings;
import dev.pt2cache.namespace.NamespaceService.NamespacePage;
import dev.pt2cache.namespace.NamespaceService.NamespaceView;
import dev.pt2cache.namespace.NamespaceService.PutOutcome;
import dev.pt2cache.system.Caller;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class NamespaceController implements NamespacesApi {

  private final NamespaceService service;

  NamespaceController(NamespaceService service) {
    this.service = service;
  }

  @Override
  public ResponseEntity<NamespaceList> listNamespaces(Integer limit, String cursor) {
    NamespacePage page = service.list(limit, cursor);
    return ResponseEntity.ok(
        new NamespaceList()
            .items(page.items().stream().map(NamespaceController::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Namespace> getNamespace(String namespace) {
    return ResponseEntity.ok(toApi(service.get(namespace)));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Namespace> putNamespace(
      String namespace, NamespaceSettings settings) {
    if (settings.getName() != null && !settings.getName().equals(namespace)) {
      throw new NamespaceNameMismatchException(namespace, settings.getName());
    }
    PutOutcome outcome =
        service.put(
            namespace,
            settings.getQuotaBytes(),
            settings.getMaxIdleDays(),
            settings.getInvalidateAfterReports(),
            Caller.inEveryNamespace(),
            Caller.token());
    if (outcome.created()) {
      return ResponseEntity.created(URI.create("/v1/namespaces/" + namespace))
          .body(toApi(outcome.view()));
    }
    return ResponseEntity.status(HttpStatus.OK).body(toApi(outcome.view()));
  }

  private static Double hitRatio(Namespace n) {
    long lookups = n.lookupHits() + n.lookupMisses();
    return lookups == 0 ? null : (double) n.lookupHits() / lookups;
  }

  private static dev.pt2cache.api.model.Namespace toApi(NamespaceView view) {
    Namespace n = view.namespace();
    return new dev.pt2cache.api.model.Namespace()
        .name(n.name())
        .quotaBytes(n.quotaBytes())
        .maxIdleDays(n.maxIdleDays())
        .invalidateAfterReports(n.invalidateAfterReports())
        .appliedQuotaBytes(view.appliedQuotaBytes())
        .appliedMaxIdleDays(view.appliedMaxIdleDays())
        .artifactCount(view.artifactCount())
        .storedBytes(view.storedBytes())
        .reportedArtifacts(view.reportedArtifacts())
        .lookupHits(n.lookupHits())
        .lookupMisses(n.lookupMisses())
        .hitRatio(hitRatio(n))
        .evictions(view.evictions())
        .lastEvictionAt(utc(view.lastEvictionAt()))
        .lastGcAt(utc(view.lastGcAt()))
        .createdAt(utc(n.createdAt()))
        .updatedAt(utc(n.updatedAt()))
        .updatedBy(n.updatedBy())
        .updatedById(n.updatedById());
  }
}
