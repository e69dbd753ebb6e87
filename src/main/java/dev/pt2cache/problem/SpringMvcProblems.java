package dev.pt2cache.problem;

import static dev.pt2cache.problem.ProblemResponses.detail;
import static dev.pt2cache.problem.ProblemResponses.problem;

import dev.pt2cache.system.Causes;
import dev.pt2cache.system.JsonBodyTooLargeException;
import dev.pt2cache.system.LogContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestValueException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The request's shape: gives the errors Spring MVC (and Tomcat, parsing a query string) raise on
 * their own stable problem types, and field-level causes ({@code errors}) for invalid bodies and
 * parameters. The base of the one advice, {@link ApiExceptionHandler} (docs/adr/0004).
 */
abstract class SpringMvcProblems extends ResponseEntityExceptionHandler {

  private static final Map<Class<? extends Exception>, ProblemType> MVC =
      Map.of(
          HttpMessageNotReadableException.class, ProblemType.MALFORMED_REQUEST,
          MethodArgumentNotValidException.class, ProblemType.INVALID_REQUEST,
          HandlerMethodValidationException.class, ProblemType.INVALID_REQUEST,
          NoResourceFoundException.class, ProblemType.NOT_FOUND,
          NoHandlerFoundException.class, ProblemType.NOT_FOUND,
          HttpRequestMethodNotSupportedException.class, ProblemType.METHOD_NOT_ALLOWED,
          HttpMediaTypeNotSupportedException.class, ProblemType.UNSUPPORTED_MEDIA_TYPE,
          HttpMediaTypeNotAcceptableException.class, ProblemType.NOT_ACCEPTABLE);

  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    Optional<Throwable> tooLarge = causeOfType(ex, JsonBodyTooLargeException.class);
    if (tooLarge.isPresent()) {
      return ResponseEntity.status(ProblemType.PAYLOAD_TOO_LARGE.status())
          .body(detail(ProblemType.PAYLOAD_TOO_LARGE, tooLarge.get().getMessage()));
    }
    Optional<ProblemDetail> absent = ImpossibleNames.notFound(ex);
    if (absent.isPresent()) {
      return ResponseEntity.status(absent.get().getStatus()).body(absent.get());
    }
    if (body == null && ex instanceof ErrorResponse error) {
      body = error.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
    }
    if (body instanceof ProblemDetail problem) {
      ProblemType type = typeOf(ex, status);
      problem.setType(type.uri());
      LogContext.problem(type.slug());
      problem.setTitle(type.title());
      if (ex instanceof HttpMessageNotReadableException unreadable) {
        // Jackson's message names classes and positions of this service's internals
        problem.setDetail(UnknownFields.detail(unreadable));
      }
      if (ex instanceof MethodArgumentTypeMismatchException mismatch
          && mismatch.getRequiredType() != null
          && mismatch.getRequiredType().isEnum()) {
        // Spring's "Failed to convert 'job' with value: 'x'" says neither what is wrong nor what
        // would do
        problem.setDetail(
            "%s '%s' is not a value the contract lists: give one of %s"
                .formatted(
                    mismatch.getName(),
                    mismatch.getValue(),
                    UnknownFields.listed(mismatch.getRequiredType())));
      }
      if (ex instanceof MethodArgumentTypeMismatchException mismatch
          && mismatch.getName() != null
          && mismatch.getRequiredType() != null
          && !mismatch.getRequiredType().isEnum()) {
        queryValue(mismatch.getRequiredType())
            .ifPresent(
                expected ->
                    problem.setDetail(
                        "%s '%s' is not %s"
                            .formatted(mismatch.getName(), mismatch.getValue(), expected)));
      }
      if (ex instanceof HttpMediaTypeNotSupportedException unsupported
          && request instanceof ServletWebRequest servlet) {
        // Spring names the type a filter may have rewritten (a JSON body declared US-ASCII goes on
        // as UTF-8), and a body sent without one "Content-Type 'null'": the client is told the one
        // it sent, or that it sent none and what to send
        problem.setDetail(
            sentContentType(servlet.getRequest())
                .map("Content-Type '%s' is not supported."::formatted)
                .orElseGet(() -> noContentType(unsupported.getSupportedMediaTypes())));
      }
      if (ex instanceof NoResourceFoundException absentPath) {
        // Spring's "No static resource v1/namespaces/x." speaks of files the service does not have
        // the path as the caller sent it: Spring's resource path drops a trailing slash, so
        // ".../default/" read as ".../default", which is an operation's path
        String asked =
            request instanceof ServletWebRequest servlet
                ? servlet.getRequest().getRequestURI()
                : "/" + absentPath.getResourcePath();
        problem.setDetail(
            "no operation of this API is at %s %s: the operations and their paths are in"
                    .formatted(absentPath.getHttpMethod(), asked)
                + " /openapi.yaml");
      }
      List<Map<String, String>> errors = fieldErrors(ex);
      if (!errors.isEmpty()) {
        problem.setProperty("errors", errors);
      }
      if (!errors.isEmpty() && !(ex instanceof HttpMessageNotReadableException)) {
        // Spring's own detail ("Validation failure") names nothing; say which fields, and why
        problem.setDetail(
            errors.stream()
                .map(e -> e.get("field") + ": " + e.get("message"))
                .sorted()
                .collect(Collectors.joining("; ")));
      }
    }
    return super.handleExceptionInternal(ex, body, headers, status, request);
  }

  /**
   * The request's {@code Content-Type} as the client sent it, under any filter's wrapper; empty
   * where it sent none, or one that names nothing.
   */
  private static Optional<String> sentContentType(ServletRequest request) {
    while (request instanceof ServletRequestWrapper wrapper) {
      request = wrapper.getRequest();
    }
    return request instanceof HttpServletRequest http
        ? Optional.ofNullable(http.getHeader(HttpHeaders.CONTENT_TYPE)).filter(s -> !s.isBlank())
        : Optional.empty();
  }

  /** A body sent without a {@code Content-Type}, where the operation takes {@code taken}. */
  private static String noContentType(List<MediaType> taken) {
    return taken.isEmpty()
        ? "the body came with no Content-Type"
        : "the body came with no Content-Type: send it as "
            + taken.stream().map(MediaType::toString).collect(Collectors.joining(" or "));
  }

  /**
   * The response's stream failed while a body was written: the client went away, or stopped reading
   * for the connector's write timeout ({@code server.tomcat.connection-timeout}). Nothing can be
   * answered on that connection, as Spring's own handler says by answering nothing; the request's
   * access line says what cut it (docs/adr/0027), where it read like a whole download before.
   */
  @Override
  protected ResponseEntity<Object> handleAsyncRequestNotUsableException(
      AsyncRequestNotUsableException ex, WebRequest request) {
    LogContext.cutShort(ex.getCause() != null ? ex.getCause() : ex);
    return super.handleAsyncRequestNotUsableException(ex, request);
  }

  /**
   * What a path or query value of {@code type} must be, in the words a caller can act on, where
   * Spring says only "Failed to convert 'limit' with value: '0x1'"; empty for a type whose value
   * reaches a handler as text.
   */
  private static Optional<String> queryValue(Class<?> type) {
    if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
      return Optional.of("a whole number: give it in decimal digits, such as 50");
    }
    if (type == Boolean.class || type == boolean.class) {
      return Optional.of("true or false");
    }
    return Optional.empty();
  }

  private static Optional<Throwable> causeOfType(Throwable ex, Class<? extends Throwable> type) {
    for (Throwable cause : Causes.chain(ex)) {
      if (type.isInstance(cause)) {
        return Optional.of(cause);
      }
    }
    return Optional.empty();
  }

  private static ProblemType typeOf(Exception ex, HttpStatusCode status) {
    for (var entry : MVC.entrySet()) {
      if (entry.getKey().isInstance(ex)) {
        return entry.getValue();
      }
    }
    if (ex instanceof TypeMismatchException || ex instanceof MissingRequestValueException) {
      return ProblemType.INVALID_REQUEST;
    }
    return status.is4xxClientError() ? ProblemType.INVALID_REQUEST : ProblemType.INTERNAL_ERROR;
  }

  private static List<Map<String, String>> fieldErrors(Exception ex) {
    if (ex instanceof HttpMessageNotReadableException unreadable) {
      return UnknownFields.errors(unreadable);
    }
    if (ex instanceof MethodArgumentNotValidException invalid) {
      return invalid.getBindingResult().getFieldErrors().stream()
          .map(SpringMvcProblems::describe)
          .toList();
    }
    if (ex instanceof HandlerMethodValidationException invalid) {
      // bodies come as ParameterErrors with their fields; simple parameters by their own name
      Stream<Map<String, String>> bodies =
          invalid.getBeanResults().stream()
              .flatMap(errors -> errors.getFieldErrors().stream())
              .map(SpringMvcProblems::describe);
      Stream<Map<String, String>> values =
          invalid.getValueResults().stream()
              .flatMap(
                  r ->
                      r.getResolvableErrors().stream()
                          .map(
                              e ->
                                  Map.of(
                                      "field",
                                      String.valueOf(r.getMethodParameter().getParameterName()),
                                      "message",
                                      String.valueOf(e.getDefaultMessage()))));
      return Stream.concat(bodies, values).toList();
    }
    return List.of();
  }

  private static Map<String, String> describe(FieldError error) {
    return Map.of("field", error.getField(), "message", String.valueOf(error.getDefaultMessage()));
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
}
