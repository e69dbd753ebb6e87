package dev.pt2cache.system;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Logs a failure that recurs, such as every request's while a dependency is down, in full (with its
 * stack trace) at most once per window, saying how often it recurred in between. One stack trace
 * per failing request, 8 KB each, made 33 MB of log a minute in a review's database outage and
 * buried everything else; each request still has its own access line, with its status. Written here
 * rather than taken from Logback: its {@code DuplicateMessageFilter} drops repeats without counting
 * them, for every logger at once.
 *
 * <p>The recurrences after the last full line are told with the next one, whenever it comes: the
 * end of an outage is not logged (the metrics and the access lines show it), and another cause
 * within a window is counted with the first.
 */
public final class RecurringFailureLog {

  private final Logger log;
  private final Level level;
  private final String message;
  private final long windowNanos;
  private boolean logged;
  private long loggedAt;
  private long recurred;

  public RecurringFailureLog(Logger log, Level level, String message, Duration window) {
    this.log = log;
    this.level = level;
    this.message = message;
    this.windowNanos = window.toNanos();
  }

  /**
   * For a check that runs every few seconds (a health probe, a gauge's refresh): a warning at most
   * once a minute, in the owner's log.
   */
  public static RecurringFailureLog warnEveryMinute(Class<?> owner, String message) {
    return new RecurringFailureLog(
        LoggerFactory.getLogger(owner), Level.WARN, message, Duration.ofMinutes(1));
  }

  /** The failure happened again; logged now only if the window since the last full one ended. */
  public void failed(Throwable e) {
    failed(e, null);
  }

  /**
   * The same, saying after the message what this failure was ({@code detail}: "PostgreSQL did not
   * answer PUT /v1/... within ..."); the recurrences counted with the next line may differ.
   */
  public void failed(Throwable e, String detail) {
    long now = System.nanoTime();
    long since;
    synchronized (this) {
      if (logged && now - loggedAt < windowNanos) {
        recurred++;
        return;
      }
      since = recurred;
      recurred = 0;
      logged = true;
      loggedAt = now;
    }
    String line = detail == null ? message : message + ": " + detail;
    if (since > 0) {
      line +=
          " (and "
              + since
              + " times more since the last time it was logged, not logged one by one)";
    }
    log.atLevel(level).setCause(e).log(line);
  }
}
