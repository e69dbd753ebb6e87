package dev.pt2cache.problem;

import dev.pt2cache.artifact.ArtifactEvictedException;
import dev.pt2cache.artifact.ArtifactInvalidatedException;
import dev.pt2cache.artifact.ArtifactNotFoundException;
import dev.pt2cache.artifact.ArtifactNotReadyException;
import dev.pt2cache.artifact.ContentMissingException;
import dev.pt2cache.artifact.InvalidUploadException;
import dev.pt2cache.artifact.KeyConflictException;
import dev.pt2cache.artifact.KeyMismatchException;
import dev.pt2cache.artifact.PayloadTooLargeException;
import dev.pt2cache.artifact.RangeNotSatisfiableException;
import dev.pt2cache.artifact.ReservationExpiredException;
import dev.pt2cache.artifact.StorageRaceException;
import dev.pt2cache.artifact.UploadBlockedException;
import dev.pt2cache.artifact.UploadInFlightException;
import dev.pt2cache.auth.AccessDeniedException;
import dev.pt2cache.auth.AuthenticationRequiredException;
import dev.pt2cache.auth.InvalidTokenRequestException;
import dev.pt2cache.auth.TokenChecksBusyException;
import dev.pt2cache.auth.TokenNameTakenException;
import dev.pt2cache.auth.TokenNotFoundException;
import dev.pt2cache.blob.ContentMismatchException;
import dev.pt2cache.blob.StorageBusyException;
import dev.pt2cache.blob.StorageUnavailableException;
import dev.pt2cache.blob.UploadInterruptedException;
import dev.pt2cache.descriptor.HardwareTagRules.InvalidTagException;
import dev.pt2cache.descriptor.NulCharacterException;
import dev.pt2cache.descriptor.UnrepresentableValueException;
import dev.pt2cache.entry.MalformedDescriptorHeaderException;
import dev.pt2cache.entry.SpoolUnavailableException;
import dev.pt2cache.housekeeping.JobRunningException;
import dev.pt2cache.invalidation.EmptySelectorException;
import dev.pt2cache.invalidation.IdempotencyKeyReusedException;
import dev.pt2cache.invalidation.InvalidSelectorException;
import dev.pt2cache.invalidation.RetirementUnfinishedException;
import dev.pt2cache.invalidation.RetirementsBusyException;
import dev.pt2cache.invalidation.RuleNotFoundException;
import dev.pt2cache.lookup.UnsupportedLookupException;
import dev.pt2cache.namespace.ExceedsQuotaException;
import dev.pt2cache.namespace.NamespaceNameMismatchException;
import dev.pt2cache.namespace.NamespaceNotFoundException;
import dev.pt2cache.namespace.QuotaChangeForbiddenException;
import dev.pt2cache.ratelimit.RateLimitedException;
import dev.pt2cache.system.InvalidCursorException;
import dev.pt2cache.system.InvalidTimeException;
import dev.pt2cache.system.LogContext;
import dev.pt2cache.system.MalformedQueryParameterException;
import dev.pt2cache.system.RecurringFailureLog;
import dev.pt2cache.system.UnansweredStatement;
import dev.pt2cache.system.UnknownQueryParameterException;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * The one place where domain exceptions become RFC 9457 problems. Errors raised by Spring MVC
 * itself (unreadable JSON, failed validation, unknown routes) get their types in {@link
 * SpringMvcProblems}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends SpringMvcProblems {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  /** A dependency that is down fails every request: its stack trace once per window, counted. */
  private static final Duration FAILURE_LOG_WINDOW = Duration.ofSeconds(10);

  private final RecurringFailureLog storeFailures =
      new RecurringFailureLog(log, Level.ERROR, "object store failed", FAILURE_LOG_WINDOW);
  private final RecurringFailureLog databaseFailures =
      new RecurringFailureLog(log, Level.ERROR, "database failed", FAILURE_LOG_WINDOW);

  /**
   * A statement PostgreSQL did not answer within the answer wait, said with the request's path: a
   * window of its own, so that the pool's failures that follow a silence do not hide it.
   */
  private final RecurringFailureLog unanswered =
      new RecurringFailureLog(log, Level.ERROR, "database failed", FAILURE_LOG_WINDOW);

  private final RecurringFailureLog lockWaits =
      new RecurringFailureLog(
          log, Level.WARN, "request waited too long for a database lock", FAILURE_LOG_WINDOW);
  private final RecurringFailureLog spoolFailures =
      new RecurringFailureLog(
          log, Level.ERROR, "temporary storage (java.io.tmpdir) failed", FAILURE_LOG_WINDOW);

  private static final String BEARER = "Bearer realm=\"pt2cache\"";

  /** Domain exceptions whose message is the problem's detail as it stands. */
  private static final Map<Class<? extends Exception>, ProblemType> DOMAIN =
      Map.ofEntries(
          Map.entry(NamespaceNotFoundException.class, ProblemType.NAMESPACE_NOT_FOUND),
          Map.entry(ArtifactNotFoundException.class, ProblemType.ARTIFACT_NOT_FOUND),
          Map.entry(RuleNotFoundException.class, ProblemType.INVALIDATION_NOT_FOUND),
          Map.entry(TokenNotFoundException.class, ProblemType.TOKEN_NOT_FOUND),
          Map.entry(TokenNameTakenException.class, ProblemType.TOKEN_NAME_TAKEN),
          Map.entry(InvalidTokenRequestException.class, ProblemType.INVALID_REQUEST),
          Map.entry(ArtifactNotReadyException.class, ProblemType.NOT_READY),
          Map.entry(ArtifactInvalidatedException.class, ProblemType.INVALIDATED),
          Map.entry(ArtifactEvictedException.class, ProblemType.EVICTED),
          Map.entry(ReservationExpiredException.class, ProblemType.RESERVATION_EXPIRED),
          Map.entry(KeyConflictException.class, ProblemType.KEY_CONFLICT),
          Map.entry(UploadBlockedException.class, ProblemType.BLOCKED_BY_RULE),
          Map.entry(JobRunningException.class, ProblemType.JOB_RUNNING),
          Map.entry(KeyMismatchException.class, ProblemType.KEY_MISMATCH),
          Map.entry(InvalidUploadException.class, ProblemType.INVALID_REQUEST),
          Map.entry(InvalidCursorException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnsupportedLookupException.class, ProblemType.INVALID_REQUEST),
          Map.entry(EmptySelectorException.class, ProblemType.EMPTY_SELECTOR),
          Map.entry(InvalidSelectorException.class, ProblemType.INVALID_REQUEST),
          Map.entry(IdempotencyKeyReusedException.class, ProblemType.IDEMPOTENCY_KEY_REUSED),
          Map.entry(InvalidTimeException.class, ProblemType.INVALID_REQUEST),
          Map.entry(InvalidTagException.class, ProblemType.INVALID_REQUEST),
          Map.entry(NamespaceNameMismatchException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnknownQueryParameterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(MalformedQueryParameterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(NulCharacterException.class, ProblemType.INVALID_REQUEST),
          Map.entry(UnrepresentableValueException.class, ProblemType.INVALID_REQUEST),
          Map.entry(PayloadTooLargeException.class, ProblemType.PAYLOAD_TOO_LARGE),
          Map.entry(ExceedsQuotaException.class, ProblemType.EXCEEDS_QUOTA),
          Map.entry(MalformedDescriptorHeaderException.class, ProblemType.MALFORMED_REQUEST));

  @ExceptionHandler
  ResponseEntity<ProblemDetail> contentMismatch(ContentMismatchException e) {
    return problem(
        switch (e.mismatch()) {
          case DIGEST -> ProblemType.DIGEST_MISMATCH;
          case SIZE -> ProblemType.SIZE_MISMATCH;
        },
        e.getMessage());
  }

  /** RFC 6750: the scheme to use, and whether the token that came was refused. */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> unauthenticated(AuthenticationRequiredException e) {
    String challenge = e.tokenPresented() ? BEARER + ", error=\"invalid_token\"" : BEARER;
    return withHeader(
        ProblemType.UNAUTHENTICATED, e.getMessage(), HttpHeaders.WWW_AUTHENTICATE, challenge);
  }

  @ExceptionHandler({AccessDeniedException.class, QuotaChangeForbiddenException.class})
  ResponseEntity<ProblemDetail> forbidden(RuntimeException e) {
    return withHeader(
        ProblemType.FORBIDDEN,
        e.getMessage(),
        HttpHeaders.WWW_AUTHENTICATE,
        BEARER + ", error=\"insufficient_scope\"");
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> rangeNotSatisfiable(RangeNotSatisfiableException e) {
    return ResponseEntity.status(ProblemType.RANGE_NOT_SATISFIABLE.status())
        .header(HttpHeaders.CONTENT_RANGE, "bytes */" + e.size())
        .body(detail(ProblemType.RANGE_NOT_SATISFIABLE, e.getMessage()));
  }

  /**
   * Content missing or damaged in the store. Found damaged in the middle of a download (its last
   * bytes are held back until verified), the response has begun, and its connection is closed.
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> contentMissing(
      ContentMissingException e, HttpServletResponse response) throws Exception {
    abandonIfCommitted(e, response);
    return problem(ProblemType.CONTENT_MISSING, e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> storageRace(StorageRaceException e) {
    return retryable(ProblemType.STORAGE_RACE, e.getMessage(), "1");
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> storageBusy(StorageBusyException e) {
    // the message says which bound: the instance's, or a namespace's share of it
    log.warn("store traffic refused: {}", e.getMessage());
    return retryable(ProblemType.STORAGE_BUSY, e.getMessage(), "5");
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> invalidationsBusy(RetirementsBusyException e) {
    log.warn("instance at its bound on blocking invalidations: {}", e.getMessage());
    return retryable(ProblemType.INVALIDATIONS_BUSY, e.getMessage(), "5");
  }

  /**
   * No WARN line of its own: a flood of made-up tokens would write one per request. The access line
   * and {@code pt2cache_problems_total{type="token-checks-busy"}} count them.
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> tokenChecksBusy(TokenChecksBusyException e) {
    return retryable(ProblemType.TOKEN_CHECKS_BUSY, e.getMessage(), "1");
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> uploadInFlight(UploadInFlightException e) {
    return retryable(
        ProblemType.UPLOAD_IN_FLIGHT, e.getMessage(), String.valueOf(e.retryAfterSeconds()));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> rateLimited(RateLimitedException e) {
    return retryable(
        ProblemType.RATE_LIMITED, e.getMessage(), String.valueOf(e.retryAfterSeconds()));
  }

  /**
   * A failure after a response began (the store failing in the middle of a download): no problem
   * can follow bytes already sent, and one written into them would reach the client as content. The
   * exception goes on to the container, which closes the connection, so the client sees a short
   * body instead of a whole one; {@link AbandonedResponses} logs it, once per window. Before that,
   * the headers of the content that was to be sent (its length, its digest) are dropped, so the
   * problem does not carry them.
   */
  private static void abandonIfCommitted(Exception e, HttpServletResponse response)
      throws Exception {
    if (response.isCommitted()) {
      throw e;
    }
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (String name : response.getHeaderNames()) {
      if (!CONTENT_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        kept.put(name, List.copyOf(response.getHeaders(name)));
      }
    }
    response.reset();
    kept.forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
  }

  /** What describes a content response, and must not describe the problem sent instead. */
  private static final Set<String> CONTENT_HEADERS =
      Set.of(
          "content-length",
          "content-type",
          "content-range",
          "etag",
          "accept-ranges",
          "repr-digest",
          "last-modified");

  private static ResponseEntity<ProblemDetail> retryable(
      ProblemType type, String detail, String retryAfterSeconds) {
    return withHeader(type, detail, HttpHeaders.RETRY_AFTER, retryAfterSeconds);
  }

  private static ResponseEntity<ProblemDetail> withHeader(
      ProblemType type, String detail, String header, String value) {
    return ResponseEntity.status(type.status()).header(header, value).body(detail(type, detail));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> uploadInterrupted(UploadInterruptedException e) {
    log.warn("request body could not be read: {}", String.valueOf(e.getCause()));
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
  ResponseEntity<ProblemDetail> spoolUnavailable(SpoolUnavailableException e) {
    spoolFailures.failed(e);
    return retryable(ProblemType.SPOOL_UNAVAILABLE, e.getMessage(), "5");
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> storageUnavailable(
      StorageUnavailableException e, HttpServletResponse response) throws Exception {
    abandonIfCommitted(e, response);
    storeFailures.failed(e);
    return retryable(
        ProblemType.STORAGE_UNAVAILABLE, "the object store is unavailable; try again", "5");
  }

  @ExceptionHandler({
    DataAccessResourceFailureException.class,
    CannotCreateTransactionException.class,
    TransientDataAccessException.class
  })
  ResponseEntity<ProblemDetail> databaseUnavailable(Exception e) {
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
      unanswered.failed(e, silence.get());
    } else {
      databaseFailures.failed(e);
    }
    return retryable(
        ProblemType.DATABASE_UNAVAILABLE, "the database is unavailable; try again", "5");
  }

  /** The current request's method and path ({@code PUT /v1/namespaces/a}), for a log line. */
  private static String requestLine() {
    return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes current
        ? current.getRequest().getMethod() + " " + current.getRequest().getRequestURI()
        : "a request";
  }

  /** A database that answers but refuses writes (read-only, disk full: docs/adr/0039). */
  private Optional<ResponseEntity<ProblemDetail>> writesRefused(Exception e) {
    return RefusedWrites.describe(e)
        .map(
            detail -> {
              databaseFailures.failed(e);
              return retryable(ProblemType.DATABASE_WRITES_REFUSED, detail, "5");
            });
  }

  /**
   * A lock stayed held for longer than a request waits ({@code PT2CACHE_DB_LOCK_WAIT}): the
   * database answers, another session holds what this request needs (docs/adr/0039).
   */
  private ResponseEntity<ProblemDetail> lockHeldTooLong(Exception e) {
    lockWaits.failed(e);
    return retryable(
        ProblemType.DATABASE_BUSY,
        "a lock this request needs stayed held by another request or instance for longer than it"
            + " waits (PT2CACHE_DB_LOCK_WAIT); nothing was changed; try again",
        "5");
  }

  /**
   * A blocking invalidation stopped by the database between its batches: answered as what stopped
   * it is (its type, its {@code Retry-After}), but saying what stands, where that type's detail
   * says nothing was changed (docs/adr/0039).
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> retirementUnfinished(
      RetirementUnfinishedException e, HttpServletResponse response) throws Exception {
    Exception cause = (Exception) e.getCause();
    ResponseEntity<ProblemDetail> answer =
        cause instanceof DataAccessResourceFailureException
                || cause instanceof TransientDataAccessException
            ? databaseUnavailable(cause)
            : other(cause, response);
    if (answer != null && answer.getBody() != null) {
      answer.getBody().setDetail(e.getMessage());
    }
    return answer;
  }

  /**
   * A query string Tomcat cannot decode (a {@code %} not followed by two hex digits, a parameter
   * without a name, too many parameters): it is parsed only when a parameter is first asked for.
   */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> malformedQuery(InvalidParameterException e) {
    return problem(
        ProblemType.INVALID_REQUEST,
        "the query string cannot be decoded: percent-encode every '%' as %25, and name every"
            + " parameter");
  }

  /** Domain exceptions by {@link #DOMAIN}, and whatever else nobody expected. */
  @ExceptionHandler
  ResponseEntity<ProblemDetail> other(Exception e, HttpServletResponse response) throws Exception {
    ProblemType domain = DOMAIN.get(e.getClass());
    if (domain != null) {
      return problem(domain, e.getMessage());
    }
    if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
      // gone, or stopped reading for Tomcat's write timeout: the access line tells which
      log.debug("client went away: {}", e.getMessage());
      LogContext.cutShort(e);
      return null;
    }
    abandonIfCommitted(e, response);
    if (e instanceof ErrorResponse error && error.getStatusCode().is4xxClientError()) {
      return problem(ProblemType.INVALID_REQUEST, error.getBody().getDetail());
    }
    if (SqlStates.lostConnection(e)) {
      return databaseUnavailable(e);
    }
    Optional<ResponseEntity<ProblemDetail>> refused = writesRefused(e);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<String> unstorable = UnstorableValues.describe(e);
    if (unstorable.isPresent()) {
      log.warn("request refused by the database: {}", unstorable.get());
      return problem(
          ProblemType.INVALID_REQUEST,
          "a value in the request cannot be stored: " + unstorable.get());
    }
    if (LockConflicts.waitedTooLong(e)) {
      return lockHeldTooLong(e);
    }
    if (LockConflicts.isConflict(e)) {
      log.warn("request aborted by the database for a concurrent one: {}", e.toString());
      return retryable(
          ProblemType.DATABASE_UNAVAILABLE,
          "the database aborted this request to let a concurrent one finish, and rolled back"
              + " its change; try again",
          "1");
    }
    log.error("unexpected failure", e);
    return problem(ProblemType.INTERNAL_ERROR, "an unexpected error occurred; it has been logged");
  }
}
