package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * Every {@code 503} the service answers is a decision for its operator: docs/alerts.yaml watches
 * it, or says in a comment why not ({@code # Not invalidations-busy: ...}). {@code database-busy}
 * came without either: a lock that a frozen instance or an open psql transaction never lets go
 * refused every write to a namespace for as long, with nothing to page anyone (while it was {@code
 * database-unavailable}, before docs/adr/0039, an alert watched it).
 */
class ProblemAlertsTest {

  @Test
  void shouldWatchEvery503OrSayWhyNot() throws IOException {
    String alerts = Files.readString(Path.of("docs/alerts.yaml"));
    List<String> unavailable =
        Arrays.stream(ProblemType.values())
            .filter(type -> type.status() == HttpStatus.SERVICE_UNAVAILABLE)
            .map(ProblemType::slug)
            .toList();

    assertThat(unavailable).contains("database-busy", "storage-busy");
    for (String type : unavailable) {
      Pattern watched =
          Pattern.compile(
              "pt2cache_problems_total\\{type=~?\"[^\"]*\\b" + Pattern.quote(type) + "\\b");
      Pattern leftAlone = Pattern.compile("# Not " + Pattern.quote(type) + "\\b");
      assertThat(watched.matcher(alerts).find() || leftAlone.matcher(alerts).find())
          .as("docs/alerts.yaml watches %s, or a '# Not %s:' comment says why not", type, type)
          .isTrue();
    }
  }
}
