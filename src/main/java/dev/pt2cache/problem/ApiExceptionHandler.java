package dev.pt2cache.problem;

import static dev.pt2cache.problem.ProblemResponses.abandonIfCommitted;
import static dev.pt2cache.problem.ProblemResponses.problem;

import dev.pt2cache.blob.StorageBusyException;
import dev.pt2cache.blob.StorageUnavailableException;
import dev.pt2cache.invalidation.RetirementUnfinishedException;
import dev.pt2cache.system.LogContext;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * The one advice where exceptions become RFC 9457 problems. Its handlers live with their family,
 * which is where a feature's new error goes:
 *
 * <ul>
 *   <li>a domain exception whose message is the detail: a line in {@link DomainProblems};
 *   <li>tokens and the rate limit: {@link AuthProblems};
 *   <li>bodies, the object store, the spool, transfer bounds: {@link StorageProblems};
 *   <li>PostgreSQL: {@link DatabaseProblems};
 *   <li>the request's shape, as Spring MVC and Tomcat reject it: {@link SpringMvcProblems}.
 * </ul>
 *
 * The families are interfaces this one class implements, not advices of their own: Spring asks
 * advices one after another and takes the first that handles the exception <em>or any of its
 * causes</em>, so a storage advice ahead of this one would answer a wrapped store failure that is
 * an internal error here (docs/adr/0004; {@code ProblemAnswersTest} pins it). Here, what remains:
 * what nobody expected, and a retirement stopped by any of them.
 */
@RestControllerAdvice
class ApiExceptionHandler extends SpringMvcProblems
    implements AuthProblems, StorageProblems, DatabaseProblems {

  private final FailureLogs failures = new FailureLogs();

  @Override
  public FailureLogs failures() {
    return failures;
  }

  /**
   * A blocking invalidation stopped between its batches, after its rule committed: answered as the
   * failure of the dependency that stopped it is (the database's or the store's type, its {@code
   * Retry-After}, its log line), but saying what stands, where that type's detail says nothing was
   * changed (docs/adr/0039). Never as a domain error or a client's error: its input was checked and
   * its rule recorded before the first batch, so a {@code 404} or {@code 400} would tell the caller
   * that nothing happened; such a cause is this service's fault, an internal error (docs/adr/0004).
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> retirementUnfinished(
      RetirementUnfinishedException e, HttpServletResponse response) throws Exception {
    Exception cause = (Exception) e.getCause();
    ResponseEntity<ProblemDetail> answer;
    if (cause instanceof DataAccessResourceFailureException
        || cause instanceof TransientDataAccessException) {
      answer = databaseUnavailable(cause);
    } else if (cause instanceof StorageUnavailableException store) {
      answer = storageUnavailable(store, response);
    } else if (cause instanceof StorageBusyException busy) {
      answer = storageBusy(busy);
    } else {
      answer = unexpected(cause, response);
    }
    answer.getBody().setDetail(e.getMessage());
    return answer;
  }

  /** Domain exceptions by {@link DomainProblems}, and whatever else nobody expected. */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> other(Exception e, HttpServletResponse response) throws Exception {
    Optional<ProblemType> domain = DomainProblems.typeOf(e);
    if (domain.isPresent()) {
      return problem(domain.get(), e.getMessage());
    }
    if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
      // gone, or stopped reading for Tomcat's write timeout: the access line tells which
      failures.log.debug("client went away: {}", e.getMessage());
      LogContext.cutShort(e);
      return null;
    }
    if (e instanceof ErrorResponse error && error.getStatusCode().is4xxClientError()) {
      abandonIfCommitted(e, response);
      return problem(ProblemType.INVALID_REQUEST, error.getBody().getDetail());
    }
    return unexpected(e, response);
  }

  /**
   * What the catch-all cannot tell by type: a database failure Spring left untranslated, told by
   * its SQL state, or else an internal error.
   */
  private ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletResponse response)
      throws Exception {
    abandonIfCommitted(e, response);
    Optional<ResponseEntity<ProblemDetail>> database = bySqlState(e);
    if (database.isPresent()) {
      return database.get();
    }
    failures.log.error("unexpected failure", e);
    return problem(ProblemType.INTERNAL_ERROR, "an unexpected error occurred; it has been logged");
  }
}
