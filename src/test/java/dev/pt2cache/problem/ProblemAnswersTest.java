package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.artifact.Artifact;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.mock.http.MockHttpInputMessage;
import org.springframework.orm.jpa.JpaSystemException;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Every exception the advice maps, thrown from a controller through Spring MVC's own resolution,
 * with the answer it gets (status, type, title, detail, the headers that matter) and the log lines
 * it writes, against {@code problem-answers.txt}. The advice is split by family; this pins that no
 * answer moved while it was (docs/adr/0004). A changed answer is a changed contract: amend the file
 * only on purpose.
 */
class ProblemAnswersTest {

  private static final Path GOLDEN =
      Path.of("src/test/resources/dev/pt2cache/problem/problem-answers.txt");

  /** Each exception of the service's own that a request can meet, by its class under the root. */
  private static final List<String> PINNED =
      List.of(
          "artifact.ArtifactEvictedException",
          "artifact.ArtifactInvalidatedException",
          "artifact.ArtifactNotFoundException",
          "artifact.ArtifactNotReadyException",
          "artifact.ContentMissingException",
          "artifact.InvalidUploadException",
          "artifact.KeyConflictException",
          "artifact.KeyMismatchException",
          "artifact.PayloadTooLargeException",
          "artifact.RangeNotSatisfiableException",
          "artifact.ReservationExpiredException",
          "artifact.StorageRaceException",
          "artifact.UploadBlockedException",
          "artifact.UploadInFlightException",
          "auth.AccessDeniedException",
          "auth.AuthenticationRequiredException",
          "auth.InvalidTokenRequestException",
          "auth.TokenChecksBusyException",
          "auth.TokenNameTakenException",
          "auth.TokenNotFoundException",
          "blob.ContentMismatchException",
          "blob.StorageBusyException",
          "blob.StorageUnavailableException",
          "blob.StoreRefusedException",
          "blob.UploadInterruptedException",
          "descriptor.HardwareTagRules$InvalidTagException",
          "descriptor.NulCharacterException",
          "descriptor.UnrepresentableValueException",
          "entry.MalformedDescriptorHeaderException",
          "entry.SpoolUnavailableException",
          "housekeeping.JobRunningException",
          "invalidation.EmptySelectorException",
          "invalidation.IdempotencyKeyReusedException",
          "invalidation.InvalidSelectorException",
          "invalidation.RetirementUnfinishedException",
          "invalidation.RetirementsBusyException",
          "invalidation.RuleNotFoundException",
          "lookup.UnsupportedLookupException",
          "namespace.ExceedsQuotaException",
          "namespace.NamespaceNameMismatchException",
          "namespace.NamespaceNotFoundException",
          "namespace.QuotaChangeForbiddenException",
          "ratelimit.RateLimitedException",
          "system.InvalidCursorException",
          "system.InvalidTimeException",
          "system.MalformedQueryParameterException",
          "system.UnknownQueryParameterException");

  /**
   * The service's exceptions not thrown to the advice as they are, and why: most are thrown only
   * while an instance starts, where the start's own report says what stopped it (StartRefusedTest
   * and others).
   */
  private static final Map<String, String> NOT_THROWN_AS_IS =
      Map.of(
          "blob.MarkerRowHeldException",
          "the deployment marker's check, at start only",
          "blob.WrongStoreException",
          "the deployment marker's check, at start only",
          "system.StartRefusedException",
          "the start's settings and version checks",
          "system.JsonBodyTooLargeException",
          "read by Jackson, it comes wrapped: the case \"mvc unreadable, JSON body too large\"");

  @Test
  void shouldAnswerEveryMappedExceptionAsPinned() throws Exception {
    StringBuilder actual = new StringBuilder();
    for (Map.Entry<String, Supplier<Exception>> c : cases().entrySet()) {
      actual.append(answer(c.getKey(), c.getValue().get()));
    }
    Path written = Path.of("target/problem-answers.txt");
    Files.createDirectories(written.getParent());
    Files.writeString(written, actual);
    assertThat(actual.toString()).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
  }

  /**
   * A new exception type gets its answer pinned here (or a reason why no request meets it), so that
   * no answer is left to the advice's fall-back unseen.
   */
  @Test
  void shouldPinEveryExceptionTheServiceDeclares() throws Exception {
    Path classes =
        Path.of(ProblemType.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    SortedSet<String> declared = new TreeSet<>();
    try (Stream<Path> files = Files.walk(classes.resolve("dev/pt2cache"))) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
        String name = classes.relativize(file).toString().replace(File.separatorChar, '.');
        Class<?> type =
            Class.forName(
                name.substring(0, name.length() - ".class".length()),
                false,
                ProblemAnswersTest.class.getClassLoader());
        if (Exception.class.isAssignableFrom(type)) {
          declared.add(type.getName().substring("dev.pt2cache.".length()));
        }
      }
    }
    SortedSet<String> accounted = new TreeSet<>(PINNED);
    accounted.addAll(NOT_THROWN_AS_IS.keySet());

    assertThat(declared)
        .as("exceptions without a pinned answer: add a case to PINNED, or to NOT_THROWN_AS_IS")
        .isSubsetOf(accounted);
    assertThat(accounted).as("pinned exceptions the service no longer has").isSubsetOf(declared);
  }

  private static String answer(String name, Exception thrown) throws Exception {
    Thrower.next = thrown;
    MockMvc mvc =
        MockMvcBuilders.standaloneSetup(new Thrower())
            .setControllerAdvice(new ApiExceptionHandler())
            .build();
    Logger logger = (Logger) LoggerFactory.getLogger("dev.pt2cache");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    StringBuilder out = new StringBuilder("== ").append(name).append('\n');
    try {
      MvcResult result = mvc.perform(get("/throw")).andReturn();
      var response = result.getResponse();
      out.append("status ").append(response.getStatus()).append('\n');
      for (String header : List.of("Retry-After", "WWW-Authenticate", "Content-Range")) {
        if (response.getHeader(header) != null) {
          out.append(header).append(": ").append(response.getHeader(header)).append('\n');
        }
      }
      out.append("body ").append(stable(response.getContentAsString())).append('\n');
    } catch (Exception e) {
      out.append("rethrown ").append(e.getClass().getSimpleName()).append('\n');
    } finally {
      logger.detachAppender(lines);
    }
    for (ILoggingEvent line : lines.list) {
      out.append("log ")
          .append(line.getLoggerName())
          .append(' ')
          .append(line.getLevel())
          .append(' ')
          .append(stable(line.getFormattedMessage()))
          .append(line.getThrowableProxy() != null ? " +trace" : "")
          .append('\n');
    }
    return out.toString();
  }

  /** Identity hash codes and timestamps differ from run to run. */
  private static String stable(String text) {
    Matcher m = Pattern.compile("@[0-9a-f]{4,8}|\"timestamp\":\"[^\"]*\"").matcher(text);
    return m.replaceAll("@_");
  }

  private static Map<String, Supplier<Exception>> cases() throws Exception {
    Map<String, Supplier<Exception>> cases = new LinkedHashMap<>();
    for (String name : PINNED) {
      Class<?> type = Class.forName("dev.pt2cache." + name);
      for (Constructor<?> constructor : type.getDeclaredConstructors()) {
        constructor.setAccessible(true);
        Object[] args = new Object[constructor.getParameterCount()];
        for (int i = 0; i < args.length; i++) {
          args[i] = argument(constructor.getParameterTypes()[i], i);
        }
        String label = name + "(" + args.length + ")";
        cases.put(label, () -> newInstance(constructor, args));
      }
    }
    SQLException lockWait = new SQLException("lock wait", "55P03");
    SQLException readOnly = new SQLException("read only", "25006");
    SQLException deadlock = new SQLException("deadlock", "40P01");
    // pgjdbc's words when PostgreSQL does not answer within the answer wait (SilentDatabaseTest)
    SQLException silent =
        new SQLException(
            "An I/O error occurred while sending to the backend.",
            "08006",
            new SocketTimeoutException("Read timed out"));
    SQLException nul = new SQLException("invalid byte sequence\nWhere: x", "22021");
    cases.put("db resource failure", () -> new DataAccessResourceFailureException("down"));
    cases.put("db no transaction", () -> new CannotCreateTransactionException("no tx"));
    cases.put("db query timeout", () -> new QueryTimeoutException("slow"));
    cases.put(
        "db statement canceled",
        () ->
            new QueryTimeoutException(
                "slow", new SQLException("canceling statement due to user request", "57014")));
    cases.put(
        "db statement unanswered", () -> new DataAccessResourceFailureException("io", silent));
    cases.put("db lock wait", () -> new CannotAcquireLockException("lock", lockWait));
    cases.put("db read-only", () -> new DataAccessResourceFailureException("ro", readOnly));
    cases.put("jpa lock wait", () -> new JpaSystemException(new RuntimeException(lockWait)));
    cases.put("jpa read-only", () -> new JpaSystemException(new RuntimeException(readOnly)));
    cases.put("jpa deadlock", () -> new JpaSystemException(new RuntimeException(deadlock)));
    cases.put("jpa unstorable", () -> new JpaSystemException(new RuntimeException(nul)));
    cases.put(
        "jpa lost connection",
        () -> new JpaSystemException(new RuntimeException(new SQLException("closed", "08003"))));
    cases.put(
        "retirement unfinished by a lock wait",
        () -> retirement(new CannotAcquireLockException("lock", lockWait)));
    cases.put(
        "retirement unfinished by an unanswered statement",
        () -> retirement(new DataAccessResourceFailureException("io", silent)));
    cases.put(
        "retirement unfinished by the store",
        () -> retirement(new dev.pt2cache.blob.StorageUnavailableException("s3", null)));
    cases.put(
        "retirement unfinished by the store's bound",
        () -> retirement(new dev.pt2cache.blob.StorageBusyException()));
    cases.put(
        "retirement unfinished by a domain error",
        () -> retirement(new dev.pt2cache.namespace.NamespaceNotFoundException("ns")));
    cases.put(
        "retirement unfinished by a client's error",
        () -> retirement(new ResponseStatusException(HttpStatus.BAD_REQUEST, "nope")));
    cases.put(
        "wrapped store failure",
        () ->
            new IllegalStateException(
                new dev.pt2cache.blob.StorageUnavailableException("s3", null)));
    cases.put(
        "wrapped database failure",
        () -> new IllegalStateException(new DataAccessResourceFailureException("down")));
    cases.put(
        "wrapped domain error",
        () ->
            new IllegalStateException(new dev.pt2cache.namespace.NamespaceNotFoundException("n")));
    cases.put(
        "authentication required, no token presented",
        () -> construct("auth.AuthenticationRequiredException", "no token", false));
    cases.put(
        "content mismatch in size",
        () ->
            new dev.pt2cache.blob.ContentMismatchException(
                dev.pt2cache.blob.ContentMismatchException.Mismatch.SIZE, "short"));
    cases.put(
        "mvc method not allowed",
        () -> new HttpRequestMethodNotSupportedException("PUT", List.of("GET")));
    cases.put(
        "mvc type mismatch from a domain error",
        () ->
            new TypeMismatchException(
                "x", Integer.class, new dev.pt2cache.namespace.NamespaceNotFoundException("n")));
    cases.put(
        "mvc unreadable from a store failure",
        () ->
            new HttpMessageNotReadableException(
                "unreadable",
                new dev.pt2cache.blob.StorageUnavailableException("s3", null),
                new MockHttpInputMessage(new byte[0])));
    cases.put(
        "mvc unreadable, JSON body too large",
        () ->
            new HttpMessageNotReadableException(
                "unreadable",
                construct("system.JsonBodyTooLargeException", 1024),
                new MockHttpInputMessage(new byte[0])));
    cases.put("tomcat query", () -> new InvalidParameterException("bad %"));
    cases.put(
        "error response 4xx", () -> new ResponseStatusException(HttpStatus.BAD_REQUEST, "nope"));
    cases.put("client gone", () -> new IOException("Broken pipe"));
    cases.put("unexpected", () -> new IllegalStateException("boom"));
    return cases;
  }

  private static Exception retirement(RuntimeException cause) {
    return construct(
        "invalidation.RetirementUnfinishedException",
        UUID.fromString("00000000-0000-0000-0000-000000000001"),
        3L,
        true,
        cause);
  }

  /** Exceptions of other packages, whose constructors those packages keep to themselves. */
  private static Exception construct(String name, Object... args) {
    try {
      Constructor<?> c = Class.forName("dev.pt2cache." + name).getDeclaredConstructors()[0];
      c.setAccessible(true);
      return (Exception) c.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Exception newInstance(Constructor<?> constructor, Object[] args) {
    try {
      return (Exception) constructor.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(constructor.toString(), e);
    }
  }

  private static Object argument(Class<?> type, int index) {
    if (type == String.class) {
      return "s" + index;
    }
    if (type == boolean.class) {
      return index % 2 == 1;
    }
    if (type == int.class || type == Integer.class) {
      return 7;
    }
    if (type == long.class || type == Long.class) {
      return 4096L;
    }
    if (type == UUID.class) {
      return UUID.fromString("00000000-0000-0000-0000-00000000000" + index);
    }
    if (type == Duration.class) {
      return Duration.ofSeconds(3);
    }
    if (type == SortedSet.class) {
      return new TreeSet<>(List.of("a", "b"));
    }
    if (type.isEnum()) {
      return type.getEnumConstants()[0];
    }
    if (Throwable.class.isAssignableFrom(type)) {
      return new IllegalStateException("cause " + index, new IOException("io"));
    }
    if (type == Artifact.class) {
      // what its messages read: enums their first constant, strings their method's name
      return Mockito.mock(
          Artifact.class,
          call -> {
            Class<?> returned = call.getMethod().getReturnType();
            if (returned.isEnum()) {
              return returned.getEnumConstants()[0];
            }
            if (returned == String.class) {
              return call.getMethod().getName();
            }
            return Mockito.RETURNS_DEFAULTS.answer(call);
          });
    }
    throw new IllegalArgumentException("no argument for " + type);
  }

  @RestController
  static class Thrower {
    static Exception next;

    @GetMapping("/throw")
    String fail() throws Exception {
      throw Objects.requireNonNull(next);
    }
  }
}
