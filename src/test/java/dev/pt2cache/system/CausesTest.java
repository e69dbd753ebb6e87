package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CausesTest {

  /** Far longer than any walk of a few causes takes; a walk that loops never ends. */
  private static final Duration WALK = Duration.ofSeconds(10);

  @Test
  void shouldWalkEveryCauseOnceOutermostFirst() {
    SQLException driver = new SQLException("connection reset", "08006");
    IOException io = new IOException("wrapped", driver);
    RuntimeException outer = new RuntimeException("statement failed", io);

    assertThat(Causes.chain(outer)).containsExactly(outer, io, driver);
    assertThat(Causes.chain(null)).isEmpty();
  }

  @Test
  void shouldEndAChainThatLoopsBackBeforeItsFirstRepeat() {
    RuntimeException outer = new RuntimeException("outer");
    RuntimeException inner = new RuntimeException("inner", outer);
    outer.initCause(inner);

    assertThat(assertTimeoutPreemptively(WALK, () -> Causes.chain(outer)))
        .containsExactly(outer, inner);
  }

  @Test
  void shouldAnswerWhetherALoopingChainLostItsConnection() {
    SQLException ended = new SQLException("terminating connection", "57P01");
    RuntimeException outer = new RuntimeException("outer");
    RuntimeException inner = new RuntimeException("inner", outer);
    outer.initCause(inner);

    assertThat(assertTimeoutPreemptively(WALK, () -> LostConnections.lost(outer))).isFalse();
    assertThat(LostConnections.lost(new RuntimeException(ended))).isTrue();
  }
}
