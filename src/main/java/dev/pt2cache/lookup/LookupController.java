package dev.pt2cache.lookup;

import dev.pt2cache.api.LookupsApi;
import dev.pt2cache.api.model.ClosestMatch;
import dev.pt2cache.api.model.FieldDifference;
import dev.pt2cache.api.model.LookupRequest;
import dev.pt2cache.api.model.LookupResult;
import dev.pt2cache.api.model.MissExplanation;
import dev.pt2cache.artifact.ArtifactMapper;
import dev.pt2cache.descriptor.DescriptorMapper;
import dev.pt2cache.lookup.LookupOutcome.Miss;
import java.util.Locale;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class LookupController implements LookupsApi {

  private final LookupService service;

  LookupController(LookupService service) {
    this.service = service;
  }

  @Override
  public ResponseEntity<LookupResult> lookup(String namespace, LookupRequest request) {
    LookupOutcome outcome =
        service.lookup(
            namespace,
            ArtifactMapper.toDomain(request.getKind()),
            DescriptorMapper.toDomain(request.getDescriptor()));
    LookupResult result = new LookupResult().hit(outcome.hit()).key(outcome.key());
    if (outcome.hit()) {
      result.artifact(ArtifactMapper.toApi(outcome.artifact()));
    } else {
      result.miss(toApi(outcome.miss()));
    }
    return ResponseEntity.ok(result);
  }

  private static MissExplanation toApi(Miss miss) {
    MissExplanation api =
        new MissExplanation()
            .reason(
                MissExplanation.ReasonEnum.fromValue(
                    miss.reason().name().toLowerCase(Locale.ROOT).replace('_', '-')))
            .detail(miss.detail());
    if (miss.closest() != null) {
      api.closest(
          new ClosestMatch()
              .artifactId(miss.closest().artifactId())
              .key(miss.closest().key())
              .differences(
                  miss.closest().differences().stream()
                      .map(
                          d ->
                              new FieldDifference()
                                  .field(d.field())
                                  .requested(d.requested())
                                  .stored(d.stored()))
                      .toList()));
    }
    return api;
  }
}
