package dev.pt2cache.problem;

import static dev.pt2cache.problem.ProblemResponses.abandonIfCommitted;
import static dev.pt2cache.problem.ProblemResponses.detail;
import static dev.pt2cache.problem.ProblemResponses.problem;
import static dev.pt2cache.problem.ProblemResponses.retryable;

import dev.pt2cache.artifact.ContentMissingException;
import dev.pt2cache.artifact.RangeNotSatisfiableException;
import dev.pt2cache.artifact.StorageRaceException;
import dev.pt2cache.artifact.UploadInFlightException;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.RefusedCredentials;
import dev.pt2cache.blob.StorageBusyException;
import dev.pt2cache.blob.StorageUnavailableException;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.entry.SpoolUnavailableException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Bytes and where they are kept: bodies that are not what they claim, the object store, the
 * instance's spool, and the bounds on transfers. A family of handlers of the one advice, {@link
 * ApiExceptionHandler}, which implements it and keeps its logs (docs/adr/0004).
 */
interface StorageProblems {

  /** The advice's logger and failure windows. */
  FailureLogs failures();

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> contentMismatch(ContentMismatchException e) {
    return problem(
        switch (e.mismatch()) {
          case DIGEST -> ProblemType.DIGEST_MISMATCH;
          case SIZE -> ProblemType.SIZE_MISMATCH;
        },
        e.getMessage());
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> rangeNotSatisfiable(RangeNotSatisfiableException e) {
    return ResponseEntity.status(ProblemType.RANGE_NOT_SATISFIABLE.status())
        .header(HttpHeaders.CONTENT_RANGE, "bytes */" + e.size())
        .body(detail(ProblemType.RANGE_NOT_SATISFIABLE, e.getMessage()));
  }

  /**
   * Content missing or damaged in the store. Found damaged in the middle of a download (its last
   * bytes are held back until verified), the response has begun, and its connection is closed.
   */
  @ExceptionHandler
  default ResponseEntity<ProblemDetail> contentMissing(
      ContentMissingException e, HttpServletResponse response) throws Exception {
    abandonIfCommitted(e, response);
    return problem(ProblemType.CONTENT_MISSING, e.getMessage());
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> storageRace(StorageRaceException e) {
    return retryable(ProblemType.STORAGE_RACE, e.getMessage(), "1");
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> storageBusy(StorageBusyException e) {
    // the message says which bound: the instance's, or a namespace's share of it
    failures().log.warn("store traffic refused: {}", e.getMessage());
    return retryable(ProblemType.STORAGE_BUSY, e.getMessage(), "5");
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> uploadInFlight(UploadInFlightException e) {
    return retryable(
        ProblemType.UPLOAD_IN_FLIGHT, e.getMessage(), String.valueOf(e.retryAfterSeconds()));
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> uploadInterrupted(UploadInterruptedException e) {
    failures().log.warn("request body could not be read: {}", String.valueOf(e.getCause()));
    return problem(
        ProblemType.UPLOAD_INTERRUPTED,
        "the request body could not be read to its end: send it again");
  }

  /**
   * The instance's temporary disk failed a body sent without its digest (full, read-only, gone):
   * the operator's to mend, so logged as a failure; the client may retry (another instance may take
   * it) or send the digest, which needs no spool.
   */
  @ExceptionHandler
  default ResponseEntity<ProblemDetail> spoolUnavailable(SpoolUnavailableException e) {
    failures().spool.failed(e);
    return retryable(ProblemType.SPOOL_UNAVAILABLE, e.getMessage(), "5");
  }

  /**
   * The store down, failing, or refusing: where it refused this instance's credentials, the line
   * says so and which settings to check ({@link RefusedCredentials}); the stack trace's last cause
   * alone said {@code S3Exception: Forbidden}.
   */
  @ExceptionHandler
  default ResponseEntity<ProblemDetail> storageUnavailable(
      StorageUnavailableException e, HttpServletResponse response) throws Exception {
    abandonIfCommitted(e, response);
    failures().store.failed(e, RefusedCredentials.describe(e).orElse(null));
    return retryable(
        ProblemType.STORAGE_UNAVAILABLE, "the object store is unavailable; try again", "5");
  }
}
