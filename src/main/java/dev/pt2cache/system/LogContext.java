package dev.pt2cache.system;

import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Puts what a request touches into the logging context, so that every log line of the request (and
 * the access line written when it completes) says which namespace, artifact and key it concerned.
 * {@link RequestLogFilter} clears it when the request ends.
 */
public final class LogContext {

  public static final String NAMESPACE = "namespace";
  public static final String ARTIFACT_ID = "artifactId";
  public static final String KIND = "kind";
  public static final String KEY = "key";
  public static final String TOKEN = "token";
  public static final String PROBLEM_TYPE = "problemType";
  public static final String CUT_SHORT = "cutShort";

  private static final Pattern NAME_SHAPE = Pattern.compile("[a-z0-9-]{1,63}");

  private LogContext() {}

  /** The name of the caller's token (never its secret). */
  public static void token(String name) {
    MDC.put(TOKEN, name);
  }

  /**
   * The namespace, when it has the shape of a name; a path that names none (from a caller not yet
   * authenticated, say) puts nothing in the log of its own choosing.
   */
  public static void namespace(String namespace) {
    if (NAME_SHAPE.matcher(namespace).matches()) {
      MDC.put(NAMESPACE, namespace);
    }
  }

  public static void artifact(UUID id, String kind, String key) {
    MDC.put(ARTIFACT_ID, String.valueOf(id));
    MDC.put(KIND, kind);
    MDC.put(KEY, key);
  }

  /**
   * The type of the problem the request is answered with ({@code storage-unavailable}), for its
   * access line. Only inside a request that has one ({@link RequestLogFilter}, under /v1): on any
   * other, nothing would clear it, and a later request on the same thread would carry it.
   */
  public static void problem(String slug) {
    if (MDC.get(RequestLogFilter.REQUEST_ID) != null) {
      MDC.put(PROBLEM_TYPE, slug);
    }
  }

  /**
   * What ended the response before its end (a client that stopped reading, one that went away, the
   * store failing in the middle of a body), for its access line: its status says 200, and nothing
   * else told a download cut at Tomcat's write timeout from a whole one. Only inside a request that
   * has an access line, as {@link #problem}.
   */
  public static void cutShort(Throwable cause) {
    if (MDC.get(RequestLogFilter.REQUEST_ID) != null) {
      MDC.put(CUT_SHORT, String.valueOf(cause));
    }
  }

  public static void key(String kind, String key) {
    MDC.put(KIND, kind);
    MDC.put(KEY, key);
  }
}
