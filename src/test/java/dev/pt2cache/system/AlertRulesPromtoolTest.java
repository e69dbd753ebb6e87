package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/alerts.yaml as Prometheus reads it: every rule parses, and fires in the condition it is for
 * and stays quiet otherwise, on series shaped as Prometheus stores a scrape of the service
 * (src/test/resources/alerts/alerts-test.yaml, run by {@code promtool test rules}). Names alone
 * (AlertRulesTest) let three rules through that never fired: they matched the service's {@code job}
 * label, which Prometheus's default scrape renames {@code exported_job}.
 */
class AlertRulesPromtoolTest {

  private static final Path RULES = Path.of("docs/alerts.yaml");
  private static final Path TESTS = Path.of("src/test/resources/alerts/alerts-test.yaml");

  private static String promtool;

  @BeforeAll
  static void findPromtool() throws InterruptedException {
    String candidate = System.getenv().getOrDefault("PROMTOOL", "promtool");
    try {
      promtool = run(Path.of("."), candidate, "--version").exit == 0 ? candidate : null;
    } catch (IOException notThere) {
      promtool = null;
    }
  }

  /** Skipped, test by test, where promtool is missing (CI's .ci/run fetches it first). */
  private static void assumePromtool() {
    assumeTrue(
        promtool != null,
        "no promtool on this machine: apt-get install prometheus (Debian), or set PROMTOOL to"
            + " the binary");
  }

  @Test
  void shouldParseEveryRule() throws IOException, InterruptedException {
    assumePromtool();
    Result check = run(Path.of("."), promtool, "check", "rules", RULES.toString());

    assertThat(check.exit).as(check.output).isZero();
  }

  @Test
  void shouldFireEachRuleInItsConditionOnlyAfterItsFor(@TempDir Path dir)
      throws IOException, InterruptedException {
    assumePromtool();
    // annotations are the operator's text, compared by nobody; their templates parse (above)
    Map<String, Object> file = load(RULES);
    for (Map<String, Object> rule : rules(file)) {
      rule.remove("annotations");
    }
    DumperOptions block = new DumperOptions();
    block.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Files.writeString(dir.resolve("alerts.yaml"), new Yaml(block).dump(file));
    Files.copy(TESTS, dir.resolve("alerts-test.yaml"));

    Result test = run(dir, promtool, "test", "rules", "alerts-test.yaml");

    assertThat(test.exit).as(test.output).isZero();
    assertThat(test.output).contains("SUCCESS");
  }

  @Test
  @SuppressWarnings("unchecked")
  void shouldTestEveryRuleFiringAndQuiet() throws IOException {
    Set<String> firing = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (Map<String, Object> test : (List<Map<String, Object>>) load(TESTS).get("tests")) {
      for (Map<String, Object> eval : (List<Map<String, Object>>) test.get("alert_rule_test")) {
        List<?> expected = (List<?>) eval.get("exp_alerts");
        (expected == null || expected.isEmpty() ? quiet : firing)
            .add((String) eval.get("alertname"));
      }
    }

    for (Map<String, Object> rule : rules(load(RULES))) {
      assertThat(firing).as("a case where it fires").contains((String) rule.get("alert"));
      assertThat(quiet).as("a case where it stays quiet").contains((String) rule.get("alert"));
    }
  }

  private static Map<String, Object> load(Path path) throws IOException {
    return new Yaml().load(Files.readString(path));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules(Map<String, Object> file) {
    return ((List<Map<String, Object>>) file.get("groups"))
        .stream()
            .flatMap(group -> ((List<Map<String, Object>>) group.get("rules")).stream())
            .toList();
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool ended").isTrue();
    return new Result(process.exitValue(), output);
  }
}
