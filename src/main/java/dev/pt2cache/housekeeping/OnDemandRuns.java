package dev.pt2cache.housekeeping;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Housekeeping runs asked for through the API, each on a thread of its own that its request waits
 * for. An instance that stops while such a run outlasts the drain ends the request (Tomcat
 * interrupts its thread and closes its connection); a run on that thread went on until the
 * connection pool closed under it, its lock left taken for {@code lockAtMostFor} and its run
 * without an end (docs/adr/0006, amendment of 2026-12-05). Here it goes on, and {@link #awaitEnd}
 * lets it finish before the pool closes.
 */
final class OnDemandRuns {

  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          work -> {
            Thread thread = new Thread(work, "housekeeping-on-demand");
            thread.setDaemon(true);
            return thread;
          });

  /** Runs {@code work} on a thread of its own, with the request's log context, and waits for it. */
  <T> T run(String job, Supplier<T> work) {
    Map<String, String> logContext = MDC.getCopyOfContextMap();
    Future<T> run =
        threads.submit(
            () -> {
              if (logContext != null) {
                MDC.setContextMap(logContext);
              }
              try {
                return work.get();
              } finally {
                MDC.clear();
              }
            });
    try {
      return run.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error failure) {
        throw failure;
      }
      throw new IllegalStateException("housekeeping job " + job + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "the instance is stopping; housekeeping job " + job + " runs on to its end", e);
    }
  }

  /** Takes no more runs and waits up to {@code atMost} for those going: whether they all ended. */
  boolean awaitEnd(Duration atMost) throws InterruptedException {
    threads.shutdown();
    return threads.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS);
  }
}
