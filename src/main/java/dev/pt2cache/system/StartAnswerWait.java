package dev.pt2cache.system;

import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.ApplicationStartingEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Bounds the statements of the start as a request's are ({@link AnswerWait}, {@code
 * PT2CACHE_DB_ANSWER_WAIT}): every connection the starting thread takes, from the version check to
 * the deployment marker's check and the index check once ready, waits at most that long for each
 * answer. Before, a PostgreSQL that went silent during the start (a stopped host or backend, a
 * dropped route) held the start in a socket read until the orchestrator's start probe killed it,
 * with nothing in the log saying what it waited for; now the start stops and {@link
 * DatabaseRefusedAtStart} names the step. Flyway's migrations, which may rightly work for minutes,
 * are lifted out of it where one is pending ({@link PostgresVersionCheck}). Registered in
 * spring.factories: it must mark the thread before any bean takes a connection (docs/adr/0039).
 */
public class StartAnswerWait implements ApplicationListener<SpringApplicationEvent>, Ordered {

  @Override
  public void onApplicationEvent(SpringApplicationEvent event) {
    if (event instanceof ApplicationStartingEvent) {
      AnswerWait.requestStarted();
    } else if (event instanceof ApplicationReadyEvent || event instanceof ApplicationFailedEvent) {
      AnswerWait.requestEnded();
    }
  }

  /** Last, so that the index check, which runs once the instance is ready, is bounded too. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
