package dev.pt2cache.housekeeping;

import static dev.pt2cache.system.Times.utc;

import dev.pt2cache.api.HousekeepingApi;
import dev.pt2cache.api.model.Eviction;
import dev.pt2cache.api.model.EvictionList;
import dev.pt2cache.api.model.EvictionReason;
import dev.pt2cache.api.model.JobName;
import dev.pt2cache.api.model.JobRunList;
import dev.pt2cache.api.model.Kind;
import dev.pt2cache.housekeeping.HousekeepingService.EvictionPage;
import dev.pt2cache.housekeeping.HousekeepingService.EvictionRecord;
import dev.pt2cache.housekeeping.JobRunHistory.JobRunPage;
import dev.pt2cache.housekeeping.JobRunner.JobRun;
import dev.pt2cache.system.Caller;
import java.util.Locale;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestController;

@RestController
class HousekeepingController implements HousekeepingApi {

  private final HousekeepingService service;
  private final JobRunHistory history;

  HousekeepingController(HousekeepingService service, JobRunHistory history) {
    this.service = service;
    this.history = history;
  }

  @Override
  public ResponseEntity<dev.pt2cache.api.model.JobRun> runJob(JobName job) {
    return ResponseEntity.ok(toApi(service.runNow(job.getValue(), Caller.token())));
  }

  @Override
  public ResponseEntity<JobRunList> listJobRuns(JobName job, Integer limit, String cursor) {
    JobRunPage page = history.page(job == null ? null : job.getValue(), limit, cursor);
    return ResponseEntity.ok(
        new JobRunList()
            .items(page.items().stream().map(HousekeepingController::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  @Override
  public ResponseEntity<EvictionList> listEvictions(
      String namespace, Integer limit, String cursor) {
    EvictionPage page = service.evictions(namespace, limit, cursor);
    return ResponseEntity.ok(
        new EvictionList()
            .items(page.items().stream().map(HousekeepingController::toApi).toList())
            .nextCursor(page.nextCursor()));
  }

  private static Eviction toApi(EvictionRecord e) {
    return new Eviction()
        .artifactId(e.artifactId())
        .kind(Kind.fromValue(e.kind()))
        .key(e.key())
        .sha256(e.sha256())
        .sizeBytes(e.sizeBytes())
        .reason(EvictionReason.fromValue(e.reason().toLowerCase(Locale.ROOT)))
        .lastUsedAt(utc(e.lastUsedAt()))
        .evictedAt(utc(e.evictedAt()));
  }

  private static dev.pt2cache.api.model.JobRun toApi(JobRun run) {
    return new dev.pt2cache.api.model.JobRun()
        .id(run.id())
        .job(JobName.fromValue(run.job()))
        .instance(run.instance())
        .startedAt(utc(run.startedAt()))
        .finishedAt(utc(run.finishedAt()))
        .outcome(run.outcome())
        .startedBy(run.startedBy())
        .startedById(run.startedById());
  }
}
