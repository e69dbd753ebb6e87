package dev.pt2cache.namespace;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.NamespacesApi;
import dev.pt2cache.api.model.NamespaceList;
import dev.pt2cache.api.model.NamespaceSettings;
import dev.pt2cache.api.model.NamespaceSettingsPatch;
import dev.pt2cache.namespace.NamespaceService.NamespacePage;
import dev.pt2cache.namespace.NamespaceService.NamespaceView;
import dev.pt2cache.namespace.NamespaceService.PutOutcome;
import dev.pt2cache.system.Caller;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;
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
    requireOwnName(namespace, settings);
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

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Namespace> patchNamespace(
      String namespace, NamespaceSettingsPatch patch) {
    requireOwnName(namespace, patch);
    return ResponseEntity.ok(
        toApi(service.patch(namespace, toPatch(patch), Caller.inEveryNamespace(), Caller.token())));
  }

  /** The members the body gave, by the contract's names, as the service applies them. */
  private static SettingsPatch toPatch(NamespaceSettingsPatch body) {
    Set<SettingsPatch.Member> given = EnumSet.noneOf(SettingsPatch.Member.class);
    if (body.gives("quotaBytes")) {
      given.add(SettingsPatch.Member.QUOTA_BYTES);
    }
    if (body.gives("maxIdleDays")) {
      given.add(SettingsPatch.Member.MAX_IDLE_DAYS);
    }
    if (body.gives("invalidateAfterReports")) {
      given.add(SettingsPatch.Member.INVALIDATE_AFTER_REPORTS);
    }
    return new SettingsPatch(
        new SettingsPatch.Settings(
            body.getQuotaBytes(), body.getMaxIdleDays(), body.getInvalidateAfterReports()),
        given);
  }

  /** A body may name its namespace, the one the path names only. */
  private static void requireOwnName(String namespace, NamespaceSettings settings) {
    if (settings.getName() != null && !settings.getName().equals(namespace)) {
      throw new NamespaceNameMismatchException(namespace, settings.getName());
    }
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
