package dev.pt2cache.problem;

import static dev.pt2cache.problem.ProblemResponses.problem;
import static dev.pt2cache.problem.ProblemResponses.retryable;

import dev.pt2cache.invalidation.RetirementsBusyException;
import dev.pt2cache.system.DatabaseCause;
import dev.pt2cache.system.LostConnections;
import dev.pt2cache.system.UnansweredStatement;
import java.util.Optional;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * PostgreSQL down, silent, read-only, full, or holding a lock too long (docs/adr/0039), and the
 * bound on what holds its connections. A family of handlers of the one advice, {@link
 * ApiExceptionHandler}, which implements it and keeps its logs; its catch-all asks here too, for
 * the failures Spring leaves untranslated (docs/adr/0004).
 */
interface DatabaseProblems {

  /** The advice's logger and failure windows. */
  FailureLogs failures();

  @ExceptionHandler({
    DataAccessResourceFailureException.class,
    CannotCreateTransactionException.class,
    TransientDataAccessException.class
  })
  default ResponseEntity<ProblemDetail> databaseUnavailable(Exception e) {
    if (LockConflicts.waitedTooLong(e)) {
      // Spring calls it CannotAcquireLockException, a transient failure
      return lockHeldTooLong(e);
    }
    Optional<ResponseEntity<ProblemDetail>> refused = writesRefused(e);
    if (refused.isPresent()) {
      // Spring counts disk_full among resource failures, where SQL of the service's own fails
      return refused.get();
    }
    Optional<String> silence =
        UnansweredStatement.describe(e, requestLine(), "PT2CACHE_DB_ANSWER_WAIT");
    if (silence.isPresent()) {
      failures().unanswered.failed(e, silence.get());
    } else {
      // null: the plain line, for a database that is down rather than refusing this instance
      failures().database.failed(e, DatabaseCause.describe(e).orElse(null));
    }
    return retryable(
        ProblemType.DATABASE_UNAVAILABLE,
        DatabaseCause.cancelled(e)
            ? "the database cancelled a statement of this request (its statement_timeout, or an"
                + " operator's cancel); try again"
            : "the database is unavailable; try again",
        "5");
  }

  @ExceptionHandler
  default ResponseEntity<ProblemDetail> invalidationsBusy(RetirementsBusyException e) {
    failures().log.warn("instance at its bound on blocking invalidations: {}", e.getMessage());
    return retryable(ProblemType.INVALIDATIONS_BUSY, e.getMessage(), "5");
  }

  /**
   * The failures the catch-all cannot tell by their type, told by their SQL state: Hibernate's and
   * the pool's, which Spring leaves untranslated. Empty for any other failure.
   */
  default Optional<ResponseEntity<ProblemDetail>> bySqlState(Exception e) {
    if (LostConnections.lost(e) || DatabaseCause.cancelledOrOutOfResources(e)) {
      return Optional.of(databaseUnavailable(e));
    }
    Optional<ResponseEntity<ProblemDetail>> refused = writesRefused(e);
    if (refused.isPresent()) {
      return refused;
    }
    Optional<String> unstorable = UnstorableValues.describe(e);
    if (unstorable.isPresent()) {
      failures().log.warn("request refused by the database: {}", unstorable.get());
      return Optional.of(
          problem(
              ProblemType.INVALID_REQUEST,
              "a value in the request cannot be stored: " + unstorable.get()));
    }
    if (LockConflicts.waitedTooLong(e)) {
      return Optional.of(lockHeldTooLong(e));
    }
    if (LockConflicts.isConflict(e)) {
      failures().log.warn("request aborted by the database for a concurrent one: {}", e.toString());
      return Optional.of(
          retryable(
              ProblemType.DATABASE_UNAVAILABLE,
              "the database aborted this request to let a concurrent one finish, and rolled back"
                  + " its change; try again",
              "1"));
    }
    return Optional.empty();
  }

  /** A database that answers but refuses writes (read-only, disk full: docs/adr/0039). */
  default Optional<ResponseEntity<ProblemDetail>> writesRefused(Exception e) {
    return RefusedWrites.describe(e)
        .map(
            detail -> {
              failures().database.failed(e);
              return retryable(ProblemType.DATABASE_WRITES_REFUSED, detail, "5");
            });
  }

  /**
   * A lock stayed held for longer than a request waits ({@code PT2CACHE_DB_LOCK_WAIT}): the
   * database answers, another session holds what this request needs (docs/adr/0039).
   */
  default ResponseEntity<ProblemDetail> lockHeldTooLong(Exception e) {
    failures().lockWaits.failed(e);
    return retryable(
        ProblemType.DATABASE_BUSY,
        "a lock this request needs stayed held by another request or instance for longer than it"
            + " waits (PT2CACHE_DB_LOCK_WAIT); nothing was changed; try again",
        "5");
  }

  /** The current request's method and path ({@code PUT /v1/namespaces/a}), for a log line. */
  private static String requestLine() {
    return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes current
        ? current.getRequest().getMethod() + " " + current.getRequest().getRequestURI()
        : "a request";
  }
}
