package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The access line's namespace comes from the path, which a caller without a token writes too. */
class LogContextTest {

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void shouldLogANamespaceNameAndNothingThatIsNone() {
    LogContext.namespace("team-a");
    assertThat(MDC.get(LogContext.NAMESPACE)).isEqualTo("team-a");
    MDC.clear();

    for (String none : new String[] {"\nforged\"x", "Team", "x".repeat(64), ""}) {
      LogContext.namespace(none);
      assertThat(MDC.get(LogContext.NAMESPACE)).as(none).isNull();
    }
  }
}
