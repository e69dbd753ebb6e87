package dev.pt2cache.problem;

import dev.pt2cache.system.ProblemCounts;
import java.util.Arrays;
import org.springframework.stereotype.Component;

/** Every problem type's count exported at 0 from the start, so alerts see the first of each. */
@Component
class ProblemSeries {

  ProblemSeries(ProblemCounts counts) {
    counts.expect(Arrays.stream(ProblemType.values()).map(ProblemType::slug).toList());
  }
}
