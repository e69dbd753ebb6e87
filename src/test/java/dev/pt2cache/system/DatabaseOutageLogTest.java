package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.HeldConnections;
import dev.pt2cache.support.ServiceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * While no database connection can be had, the log says so at the rate of the service's own line
 * (once per window, ADR 0027), not in two more lines of Hibernate's for every request that fails: a
 * review's 60 s PostgreSQL outage under load logged 122 to 136 such lines per instance, which a
 * fleet multiplies into thousands a second that say nothing the service's own line does not.
 */
class DatabaseOutageLogTest extends ServiceTest {

  private static final int LOOKUPS = 6;

  @Autowired DataSource dataSource;

  @Test
  void shouldLogAnOutageWithoutALineOfHibernatesPerFailedRequest() throws Exception {
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    lines.start();
    root.addAppender(lines);
    ExecutorService callers = Executors.newFixedThreadPool(LOOKUPS);
    try (HeldConnections held = HeldConnections.every(dataSource)) {
      List<Future<ApiResponse>> answers = new ArrayList<>();
      for (int i = 0; i < LOOKUPS; i++) {
        answers.add(callers.submit(this::lookup));
      }
      for (Future<ApiResponse> answer : answers) {
        assertProblem(answer.get(), 503, "database-unavailable");
      }
    } finally {
      callers.shutdownNow();
      root.detachAppender(lines);
    }

    List<String> hibernates =
        lines.list.stream()
            .filter(line -> line.getLoggerName().startsWith("org.hibernate"))
            .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(hibernates).as("Hibernate's lines while no connection could be had").isEmpty();
    assertThat(lookup().status()).isEqualTo(200);
  }

  private ApiResponse lookup() {
    return api.postJson(
        path("/lookups"),
        """
        {"kind": "mega-cache", "descriptor": %s}
        """
            .formatted(Descriptors.of(Descriptors.uniqueModel())));
  }
}
