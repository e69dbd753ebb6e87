package dev.pt2cache.report;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.ReportsApi;
import dev.pt2cache.api.model.ArtifactReport;
import dev.pt2cache.api.model.ReportProblem;
import dev.pt2cache.api.model.ReportRequest;
import dev.pt2cache.artifact.ArtifactMapper;
import dev.pt2cache.report.ReportService.Outcome;
import dev.pt2cache.system.Caller;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ReportController implements ReportsApi {

  private final ReportService service;

  ReportController(ReportService service) {
    this.service = service;
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.ArtifactReports> reportArtifact(
      String namespace, UUID artifactId, ReportRequest request) {
    Outcome recorded =
        service.report(
            namespace,
            artifactId,
            Report.reporter(Caller.tokenName(), request.getNode()),
            Failure.fromWire(request.getProblem().getValue()),
            request.getDetail());
    return ResponseEntity.status(recorded.firstFromReporter() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(toApi(recorded.reports()));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.ArtifactReports> listReports(
      String namespace, UUID artifactId, Integer limit) {
    return ResponseEntity.ok(toApi(service.reports(namespace, artifactId, limit)));
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.ArtifactReports> clearReports(
      String namespace, UUID artifactId) {
    return ResponseEntity.ok(toApi(service.clear(namespace, artifactId)));
  }

  private static dev.pt2cache.api.model.ArtifactReports toApi(ArtifactReports r) {
    return new dev.pt2cache.api.model.ArtifactReports()
        .artifactId(r.artifactId())
        .state(ArtifactMapper.toApi(r.state()))
        .reportCount(r.reportCount())
        .invalidateAfterReports(r.invalidateAfterReports())
        .invalidationId(r.invalidationId())
        .items(
            r.newest().stream()
                .map(
                    report ->
                        new ArtifactReport()
                            .reporter(report.reporter())
                            .problem(ReportProblem.fromValue(report.problem().wireName()))
                            .detail(report.detail())
                            .reportedAt(utc(report.reportedAt())))
                .toList());
  }
}
