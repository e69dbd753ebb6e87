package dev.pt2cache.problem;

import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;

/**
 * Every cause of an error, with its stable RFC 9457 type URI ({@code urn:pt2cache:problem:...}).
 */
enum ProblemType {
  MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "Malformed request"),
  INVALID_REQUEST(HttpStatus.BAD_REQUEST, "Invalid request"),
  EMPTY_SELECTOR(HttpStatus.BAD_REQUEST, "Empty selector"),
  UPLOAD_INTERRUPTED(HttpStatus.BAD_REQUEST, "Upload interrupted"),
  UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Token missing or not accepted"),
  FORBIDDEN(HttpStatus.FORBIDDEN, "Token does not allow this"),
  NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
  NAMESPACE_NOT_FOUND(HttpStatus.NOT_FOUND, "Namespace not found"),
  ARTIFACT_NOT_FOUND(HttpStatus.NOT_FOUND, "Artifact not found"),
  INVALIDATION_NOT_FOUND(HttpStatus.NOT_FOUND, "Invalidation not found"),
  TOKEN_NOT_FOUND(HttpStatus.NOT_FOUND, "Token not found"),
  CONTENT_MISSING(HttpStatus.NOT_FOUND, "Content missing from storage"),
  METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
  NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
  REQUEST_TIMEOUT(HttpStatus.REQUEST_TIMEOUT, "Request body stopped arriving"),
  KEY_CONFLICT(HttpStatus.CONFLICT, "Key holds other content"),
  NOT_READY(HttpStatus.CONFLICT, "Artifact not ready"),
  BLOCKED_BY_RULE(HttpStatus.CONFLICT, "Blocked by an invalidation rule"),
  JOB_RUNNING(HttpStatus.CONFLICT, "Job running elsewhere"),
  UPLOAD_IN_FLIGHT(HttpStatus.CONFLICT, "Another upload of this key is in flight"),
  TOKEN_NAME_TAKEN(HttpStatus.CONFLICT, "Token name taken"),
  INVALIDATED(HttpStatus.GONE, "Artifact invalidated"),
  RESERVATION_EXPIRED(HttpStatus.GONE, "Upload reservation expired"),
  EVICTED(HttpStatus.GONE, "Artifact evicted"),
  PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),
  EXCEEDS_QUOTA(HttpStatus.CONTENT_TOO_LARGE, "Larger than the namespace's quota"),
  UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
  RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Too many requests from this caller"),
  RANGE_NOT_SATISFIABLE(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable"),
  DIGEST_MISMATCH(HttpStatus.UNPROCESSABLE_CONTENT, "SHA-256 mismatch"),
  SIZE_MISMATCH(HttpStatus.UNPROCESSABLE_CONTENT, "Size mismatch"),
  KEY_MISMATCH(HttpStatus.UNPROCESSABLE_CONTENT, "Key mismatch"),
  IDEMPOTENCY_KEY_REUSED(
      HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key already used for another request"),
  STORAGE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable"),
  DATABASE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Database unavailable"),
  DATABASE_WRITES_REFUSED(HttpStatus.SERVICE_UNAVAILABLE, "Database refuses writes"),
  DATABASE_BUSY(HttpStatus.SERVICE_UNAVAILABLE, "A lock stayed held too long"),
  STORAGE_RACE(HttpStatus.SERVICE_UNAVAILABLE, "Stored copy collected during the upload"),
  STORAGE_BUSY(HttpStatus.SERVICE_UNAVAILABLE, "Too many transfers at once"),
  INVALIDATIONS_BUSY(HttpStatus.SERVICE_UNAVAILABLE, "Too many blocking invalidations at once"),
  TOKEN_CHECKS_BUSY(HttpStatus.SERVICE_UNAVAILABLE, "Too many tokens to read at once"),
  SPOOL_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Temporary storage unavailable"),
  INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

  private final HttpStatus status;
  private final String title;

  ProblemType(HttpStatus status, String title) {
    this.status = status;
    this.title = title;
  }

  HttpStatus status() {
    return status;
  }

  String title() {
    return title;
  }

  /** The type Tomcat's own rejections get, by status. */
  static ProblemType forStatus(int status) {
    return switch (status) {
      case 400 -> MALFORMED_REQUEST;
      case 404 -> NOT_FOUND;
      case 405 -> METHOD_NOT_ALLOWED;
      case 408 -> REQUEST_TIMEOUT;
      case 413 -> PAYLOAD_TOO_LARGE;
      default -> status < 500 ? INVALID_REQUEST : INTERNAL_ERROR;
    };
  }

  URI uri() {
    return URI.create("urn:pt2cache:problem:" + slug());
  }

  /** The type's last part ({@code storage-unavailable}): in logs and metrics. */
  String slug() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
