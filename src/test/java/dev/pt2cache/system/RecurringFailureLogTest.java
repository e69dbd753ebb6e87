package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** A failure every request meets while a dependency is down is logged once per window, counted. */
class RecurringFailureLogTest {

  @Test
  void shouldLogTheFirstFailureInFullAndCountTheRepeatsOfItsWindow() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("recurring-failure-test");
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    RecurringFailureLog failures =
        new RecurringFailureLog(logger, Level.ERROR, "database failed", Duration.ofMillis(300));

    for (int i = 0; i < 5; i++) {
      failures.failed(new IllegalStateException("connection refused " + i));
    }
    assertThat(logged.list).hasSize(1);
    assertThat(logged.list.get(0).getFormattedMessage()).isEqualTo("database failed");
    assertThat(logged.list.get(0).getThrowableProxy().getMessage())
        .isEqualTo("connection refused 0");

    Thread.sleep(400);
    failures.failed(new IllegalStateException("connection refused 5"));
    assertThat(logged.list).hasSize(2);
    assertThat(logged.list.get(1).getFormattedMessage())
        .isEqualTo(
            "database failed (and 4 times more since the last time it was logged, not logged one"
                + " by one)");
    assertThat(logged.list.get(1).getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
    assertThat(logged.list.get(1).getThrowableProxy()).isNotNull();
  }
}
