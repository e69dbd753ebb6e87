package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.ContractGrowth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * openapi.yaml only grows (docs/adr/0033): a client of an earlier release, still deployed while a
 * fleet upgrades, keeps every operation, parameter, status and member it was written against, and
 * is never refused a request the earlier contract took.
 */
class ContractGrowthTest {

  private static final Path CURRENT = Path.of("openapi.yaml");

  /**
   * The contracts of releases whose clients may still call: each file is openapi.yaml as a commit
   * had it. Add the current one at each release; remove one only when its clients are gone.
   */
  private static final Path RECORDED = Path.of("src/test/resources/contract");

  /**
   * What the check reports that was judged to take nothing away, with why. A pattern cannot be
   * compared by a program, so each changed one is judged here once.
   */
  private static final Map<String, String> JUDGED =
      Map.of(
          "GET /v1/namespaces/{namespace}/artifacts parameter query tag[]: pattern"
              + " ^[^:]{1,100}:.{0,200}$ became ^[^:]{1,100}:[\\s\\S]{0,200}$",
          "568f99d: [\\s\\S] takes every value . took, and a line break too");

  @Test
  void shouldTakeNothingAwayFromARecordedContract() throws IOException {
    List<Path> recorded;
    try (Stream<Path> files = Files.list(RECORDED)) {
      recorded = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(recorded).isNotEmpty();
    for (Path older : recorded) {
      List<String> losses = new ArrayList<>(ContractGrowth.losses(load(older), load(CURRENT)));
      losses.removeAll(JUDGED.keySet());
      assertThat(losses).as("openapi.yaml takes these away from %s", older).isEmpty();
    }
  }

  @Nested
  class TheCheck {

    @Test
    void shouldReportEachWayAChangeTakesSomethingAway() throws IOException {
      Map<String, Object> changed = load(CURRENT);
      schema(changed, "Artifact").put("properties", without(schema(changed, "Artifact"), "sha256"));
      List<Object> required =
          new ArrayList<>(list(schema(changed, "InvalidationRequest"), "required"));
      required.add("expiresAt");
      schema(changed, "InvalidationRequest").put("required", required);
      schema(changed, "ReportProblem").put("enum", List.of("load-failed", "wrong-output"));
      map(map(changed.get("paths"))
              .get("/v1/namespaces/{namespace}/artifacts/{artifactId}/reports"))
          .remove("delete");
      map(map(schema(changed, "Selector").get("properties")).get("modelName"))
          .put("maxLength", 100);

      assertThat(ContractGrowth.losses(load(CURRENT), changed))
          .anyMatch(line -> line.contains("member sha256: removed"))
          .anyMatch(line -> line.contains("member expiresAt: now required"))
          .anyMatch(line -> line.contains("enum [load-failed, wrong-output, other] became"))
          .anyMatch(
              line ->
                  line.startsWith(
                      "DELETE /v1/namespaces/{namespace}/artifacts/{artifactId}/reports"))
          .anyMatch(line -> line.contains(".modelName: maxLength 200 became 100"));
    }

    @Test
    void shouldLetAdditionsThrough() throws IOException {
      Map<String, Object> changed = load(CURRENT);
      map(schema(changed, "InvalidationRequest").get("properties"))
          .put("note", Map.of("type", "string"));
      map(schema(changed, "Artifact").get("properties")).put("origin", Map.of("type", "string"));
      List<Object> states = new ArrayList<>(list(schema(changed, "ArtifactState"), "enum"));
      states.add("ARCHIVED");
      schema(changed, "ArtifactState").put("enum", states);
      map(changed.get("paths")).put("/v1/new", Map.of("get", Map.of("responses", Map.of())));

      assertThat(ContractGrowth.losses(load(CURRENT), changed)).isEmpty();
    }
  }

  private static Map<String, Object> load(Path file) throws IOException {
    return new Yaml().load(Files.readString(file));
  }

  private static Map<String, Object> schema(Map<String, Object> document, String name) {
    return map(map(map(document.get("components")).get("schemas")).get(name));
  }

  private static Map<String, Object> without(Map<String, Object> schema, String property) {
    Map<String, Object> properties = new LinkedHashMap<>(map(schema.get("properties")));
    properties.remove(property);
    return properties;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  private static List<?> list(Map<String, Object> schema, String key) {
    return (List<?>) schema.get(key);
  }
}
