package dev.pt2cache.problem;

import dev.pt2cache.system.RecurringFailureLog;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The advice's log: one logger, still named {@code ApiExceptionHandler} since the handlers were
 * grouped by family (what operators filter on stays), and the windows of the failures that come
 * with every request while a dependency is down. One per advice, so one per application context.
 */
final class FailureLogs {

  /** A dependency that is down fails every request: its stack trace once per window, counted. */
  private static final Duration WINDOW = Duration.ofSeconds(10);

  final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  final RecurringFailureLog store =
      new RecurringFailureLog(log, Level.ERROR, "object store failed", WINDOW);
  final RecurringFailureLog database =
      new RecurringFailureLog(log, Level.ERROR, "database failed", WINDOW);

  /**
   * A statement PostgreSQL did not answer within the answer wait, said with the request's path: a
   * window of its own, so that the pool's failures that follow a silence do not hide it.
   */
  final RecurringFailureLog unanswered =
      new RecurringFailureLog(log, Level.ERROR, "database failed", WINDOW);

  final RecurringFailureLog lockWaits =
      new RecurringFailureLog(
          log, Level.WARN, "request waited too long for a database lock", WINDOW);
  final RecurringFailureLog spool =
      new RecurringFailureLog(
          log, Level.ERROR, "temporary storage (java.io.tmpdir) failed", WINDOW);
}
