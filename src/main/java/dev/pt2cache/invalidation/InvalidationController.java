package dev.pt2cache.invalidation;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.InvalidationsApi;
import dev.pt2cache.api.model.InvalidationList;
import dev.pt2cache.api.model.InvalidationRequest;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.descriptor.HardwareTagRules;
import dev.pt2cache.system.ServiceClock;
import dev.pt2cache.system.Times;
import java.util.Objects;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class InvalidationController implements InvalidationsApi {

  private final InvalidationService service;
  private final InvalidationTrail trail;
  private final ServiceClock clock;

  InvalidationController(InvalidationService service, InvalidationTrail trail, ServiceClock clock) {
    this.service = service;
    this.trail = trail;
    this.clock = clock;
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Invalidation> invalidate(
      String namespace, InvalidationRequest request, String idempotencyKey) {
    Invalidation.Rule rule =
        new Invalidation.Rule(
            Boolean.TRUE.equals(request.getBlock()), Times.kept(request.getExpiresAt()));
    InvalidationService.Invalidated done =
        service.invalidate(
            namespace, toDomain(request.getSelector()), request.getReason(), rule, idempotencyKey);
    // a resend created nothing: 200 with the record its key made (ADR 0029)
    return ResponseEntity.status(done.resent() ? HttpStatus.OK : HttpStatus.CREATED)
        .body(toApi(done.invalidation()));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.Invalidation> liftRule(
      String namespace, UUID invalidationId) {
    return ResponseEntity.ok(toApi(trail.lift(namespace, invalidationId)));
  }

  @Override
  public ResponseEntity<InvalidationList> listInvalidations(
      String namespace, Integer limit, String cursor) {
    InvalidationPage page = trail.list(namespace, limit, cursor);
    return ResponseEntity.ok(
        new InvalidationList()
            .items(page.items().stream().map(this::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  private static Selector toDomain(dev.pt2cache.api.model.Selector s) {
    Selector.requireNoNullIds(s.getArtifactIds());
    HardwareTagRules.requireValid("selector.tags", s.getTags());
    return new Selector(
        s.getArtifactIds(),
        s.getKind() == null ? null : s.getKind().getValue(),
        s.getKey(),
        s.getSha256(),
        s.getModelName(),
        s.getModelVersion(),
        s.getTorch(),
        s.getTriton(),
        s.getCuda(),
        s.getGpu(),
        s.getCapability(),
        s.getTags(),
        s.getModelFingerprint(),
        s.getRocm(),
        s.getPython());
  }

  private dev.pt2cache.api.model.Invalidation toApi(Invalidation i) {
    Selector s = i.selector();
    return new dev.pt2cache.api.model.Invalidation()
        .id(i.id())
        .namespace(i.namespace())
        .reason(i.reason())
        .invalidated(i.invalidatedCount())
        .createdAt(utc(i.createdAt()))
        .blocking(i.blocking())
        .expiresAt(utc(i.expiresAt()))
        .liftedAt(utc(i.liftedAt()))
        .madeBy(i.madeBy())
        .madeById(i.madeById())
        .liftedBy(i.liftedBy())
        .liftedById(i.liftedById())
        .active(i.active(clock.now()))
        .selector(
            new dev.pt2cache.api.model.Selector()
                // a null id, as a rule stored before the API refused them may hold, is no id
                .artifactIds(
                    s.artifactIds() == null
                        ? null
                        : s.artifactIds().stream().filter(Objects::nonNull).toList())
                .kind(s.kind() == null ? null : Kind.fromValue(s.kind()))
                .key(s.key())
                .sha256(s.sha256())
                .modelName(s.modelName())
                .modelVersion(s.modelVersion())
                .torch(s.torch())
                .triton(s.triton())
                .cuda(s.cuda())
                .gpu(s.gpu())
                .capability(s.capability())
                .tags(s.tags())
                .modelFingerprint(s.modelFingerprint())
                .rocm(s.rocm())
                .python(s.python()));
  }
}
