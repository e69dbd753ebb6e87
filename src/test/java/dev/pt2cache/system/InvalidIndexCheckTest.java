package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ServiceTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** An index a failed concurrent build left invalid is named at start, with how to rebuild it. */
@ExtendWith(OutputCaptureExtension.class)
class InvalidIndexCheckTest extends ServiceTest {

  @Autowired InvalidIndexCheck check;

  @Test
  void shouldNameAnInvalidIndexAndHowToRebuildIt(CapturedOutput output) {
    assertThat(check.invalidIndexes()).as("the schema as migrated").isEmpty();
    jdbc.sql("create table scratch_index_check (n int)").update();
    try {
      jdbc.sql("create index scratch_by_n on scratch_index_check (n)").update();
      // as a cancelled CREATE INDEX CONCURRENTLY leaves it
      jdbc.sql(
              "update pg_index set indisvalid = false"
                  + " where indexrelid = 'scratch_by_n'::regclass")
          .update();

      check.report();

      assertThat(check.invalidIndexes()).containsExactly("scratch_by_n");
      assertThat(output.getOut())
          .contains("index scratch_by_n is invalid")
          .contains("REINDEX INDEX CONCURRENTLY scratch_by_n");
    } finally {
      jdbc.sql("drop table scratch_index_check").update();
    }
  }
}
