package dev.pt2cache.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code 5xx} the service answers is a decision for its operator: docs/alerts.yaml watches
 * it, or says in a comment why not ({@code # Not invalidations-busy: ...}). {@code database-busy}
 * came without either: a lock that a frozen instance or an open psql transaction never lets go
 * refused every write to a namespace for as long, with nothing to page anyone (while it was {@code
 * database-unavailable}, before docs/adr/0039, an alert watched it). So did {@code 500
 * internal-error}, the answer to every failure the service does not recognise (a read-only
 * PostgreSQL's writes were such 500s until docs/adr/0039 named them), until 2026-12-05.
 */
class ProblemAlertsTest {

  @Test
  void shouldWatchEvery5xxOrSayWhyNot() throws IOException {
    String alerts = Files.readString(Path.of("docs/alerts.yaml"));
    List<String> serverErrors =
        Arrays.stream(ProblemType.values())
            .filter(type -> type.status().is5xxServerError())
            .map(ProblemType::slug)
            .toList();

    assertThat(serverErrors).contains("database-busy", "storage-busy", "internal-error");
    for (String type : serverErrors) {
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
