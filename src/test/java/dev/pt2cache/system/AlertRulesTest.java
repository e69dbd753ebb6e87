package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/alerts.yaml, the rules docs/operations.md offers operators: an alert on a metric the service
 * does not export (a name misspelt, or renamed since) would never fire, and nobody would notice.
 */
class AlertRulesTest extends ServiceTest {

  private static final Pattern METRIC = Pattern.compile("pt2cache_[a-z_]+");

  @Test
  void shouldNameOnlyMetricsTheServiceExports() throws IOException {
    // the series that appear with their first event: a lookup and a problem
    String descriptor = Descriptors.of(Descriptors.uniqueModel());
    uploadMegaCache(descriptor, Fixtures.randomBytes(10));
    api.postJson(path("/lookups"), Descriptors.lookup("mega-cache", descriptor));
    api.get(path("/artifacts/00000000-0000-4000-8000-000000000000"));
    Set<String> exported = new TreeSet<>();
    Matcher sample =
        Pattern.compile("(?m)^(pt2cache_[a-z_]+)[{ ]")
            .matcher(api.get("/actuator/prometheus").text());
    while (sample.find()) {
      exported.add(sample.group(1));
    }

    List<Map<String, Object>> rules = rules();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(8);
    for (Map<String, Object> rule : rules) {
      assertThat(rule).containsKeys("alert", "expr", "labels", "annotations");
      Matcher named = METRIC.matcher(String.valueOf(rule.get("expr")));
      assertThat(named.find()).as("%s names a metric", rule.get("alert")).isTrue();
      do {
        assertThat(exported).as("metric of %s", rule.get("alert")).contains(named.group());
      } while (named.find());
      // the gauges a description sends the operator to (pt2cache_entry_spool_bytes, say, which
      // replaced a gauge of spool slots) exist too; a name ending in _ is a family, not a metric
      Matcher pointed = METRIC.matcher(String.valueOf(rule.get("annotations")));
      while (pointed.find()) {
        if (!pointed.group().endsWith("_")) {
          assertThat(exported)
              .as("metric named by the description of %s", rule.get("alert"))
              .contains(pointed.group());
        }
      }
    }
  }

  /**
   * A read-only PostgreSQL pages whatever the fleet sends: the rate of refused writes paged only
   * above 0.1 a second, which a fleet whose nodes mostly hit never reaches.
   */
  @Test
  void shouldPageWhileTheDatabaseRefusesWritesWhateverTheFleetSends() throws IOException {
    Map<String, Object> rule =
        rules().stream()
            .filter(r -> String.valueOf(r.get("expr")).contains("pt2cache_database_writes_refused"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no rule on pt2cache_database_writes_refused"));
    assertThat(String.valueOf(rule.get("expr")))
        .doesNotContain("rate(")
        .containsPattern("^max\\(pt2cache_database_writes_refused\\) > 0$");
    assertThat(rule.get("labels")).isEqualTo(Map.of("severity", "page"));
    assertThat(String.valueOf(rule.get("annotations")))
        .contains("See docs/operations.md, \"A database that refuses writes\"");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(Path.of("docs/alerts.yaml")));
    List<Map<String, Object>> groups = (List<Map<String, Object>>) file.get("groups");
    return groups.stream()
        .flatMap(group -> ((List<Map<String, Object>>) group.get("rules")).stream())
        .toList();
  }
}
