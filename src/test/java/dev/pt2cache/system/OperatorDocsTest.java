package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an operator reads in the README and docs/ against what the repository holds, without a
 * service: a setting docs/configuration.md leaves out or gives another default, a decision
 * docs/decisions.md leaves out, a test the pages name that is not there, a link that leads nowhere.
 * Each drifted before while the code changed under the text (the ADR list stopped at 0028 while
 * 0029 and 0030 were decided). Which page holds what: ADR 0044.
 */
class OperatorDocsTest {

  private static final Path README = Path.of("README.md");
  private static final Path SETTINGS = Path.of("docs/configuration.md");
  private static final Path DECISIONS = Path.of("docs/decisions.md");

  @Test
  void shouldListEverySettingOfTheServiceWithItsDefault() throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    Matcher setting =
        Pattern.compile("\\$\\{(PT2CACHE_[A-Z0-9_]+):([^}]*)}")
            .matcher(Files.readString(Path.of("src/main/resources/application.yaml")));
    while (setting.find()) {
      settings.putIfAbsent(setting.group(1), setting.group(2));
    }
    Map<String, String> rows = new LinkedHashMap<>();
    Matcher row =
        Pattern.compile("(?m)^\\| `(PT2CACHE_[A-Z0-9_]+)` \\| ([^|]*) \\|")
            .matcher(Files.readString(SETTINGS));
    while (row.find()) {
      rows.put(row.group(1), row.group(2));
    }

    assertThat(settings).hasSizeGreaterThan(40);
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(settings.keySet());
    settings.forEach(
        (name, value) -> {
          if (!value.isEmpty()) {
            assertThat(rows.get(name))
                .as("the settings table's default of %s", name)
                .contains(value);
          }
        });
  }

  @Test
  void shouldLinkEveryDecisionRecordFromTheListOfDecisions() throws IOException {
    String list = Files.readString(DECISIONS);
    List<String> records;
    try (Stream<Path> files = Files.list(Path.of("docs/adr"))) {
      records = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".md")).toList();
    }

    assertThat(records).hasSizeGreaterThanOrEqualTo(30);
    assertThat(records)
        .as("decisions docs/decisions.md leaves out")
        .filteredOn(record -> !list.contains("(adr/" + record + ")"))
        .isEmpty();
  }

  @Test
  void shouldNameOnlyTestClassesThatExist() throws IOException {
    Set<String> classes = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
      files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".java"))
          .forEach(f -> classes.add(f.substring(0, f.length() - ".java".length())));
    }
    Set<String> inDocs = new TreeSet<>();
    for (Path page : pages()) {
      Matcher named = Pattern.compile("`([A-Z][A-Za-z0-9]*Test)`").matcher(Files.readString(page));
      while (named.find()) {
        inDocs.add(named.group(1));
      }
    }

    assertThat(inDocs).hasSizeGreaterThan(80);
    assertThat(classes).containsAll(inDocs);
  }

  /** .ci/run runs "the README's test command": the README's first page names what CI runs. */
  @Test
  void shouldNameInTheReadmeTheTestCommandCiRuns() throws IOException {
    String command =
        Files.readAllLines(Path.of(".ci/run")).stream()
            .filter(line -> line.startsWith("./mvnw "))
            .reduce((first, last) -> last)
            .orElseThrow()
            .replaceAll(" -B| -ntp", "");

    assertThat(command).isEqualTo("./mvnw verify");
    assertThat(Files.readString(README)).contains(command);
  }

  /** The README and the reference pages under docs/ (ADR 0044). */
  private static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(README));
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /**
   * An operator greps logs and {@code pt2cache_problems_total{type}} for the type the docs name:
   * docs/s3-compatibility.md named {@code 503 store-unavailable}, which no answer carries (the type
   * is {@code storage-unavailable}).
   */
  @Test
  void shouldNameOnlyProblemTypesTheServiceAnswers() throws Exception {
    Set<String> types = new TreeSet<>();
    for (Object type : Class.forName("dev.pt2cache.problem.ProblemType").getEnumConstants()) {
      types.add(((Enum<?>) type).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    List<Path> docs =
        new ArrayList<>(
            List.of(README, Path.of("openapi.yaml"), Path.of("clients/python/README.md")));
    try (Stream<Path> files = Files.list(Path.of("docs"))) {
      files.filter(f -> f.toString().matches(".*\\.(md|yaml)$")).forEach(docs::add);
    }
    Pattern named =
        Pattern.compile("urn:pt2cache:problem:([a-z0-9-]+)|`[45]\\d\\d ([a-z]+(?:-[a-z]+)*)`");
    Set<String> seen = new TreeSet<>();
    List<String> unknown = new ArrayList<>();
    for (Path doc : docs) {
      Matcher type = named.matcher(Files.readString(doc));
      while (type.find()) {
        String slug = type.group(1) != null ? type.group(1) : type.group(2);
        seen.add(slug);
        if (!types.contains(slug)) {
          unknown.add(doc + ": " + type.group());
        }
      }
    }

    assertThat(seen).hasSizeGreaterThan(25);
    assertThat(unknown).isEmpty();
  }

  @Test
  void shouldLeadEveryRelativeLinkOfTheDocsToAFileAndHeadingThatExist() throws IOException {
    List<Path> docs =
        new ArrayList<>(sources().stream().filter(f -> f.toString().endsWith(".md")).toList());
    Pattern link = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path doc : docs) {
      Matcher target = link.matcher(Files.readString(doc));
      while (target.find()) {
        String to = target.group(1);
        if (to.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:
        }
        links++;
        String file = to.contains("#") ? to.substring(0, to.indexOf('#')) : to;
        String anchor = to.contains("#") ? to.substring(to.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? doc : doc.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(doc + ": " + to);
        } else if (anchor != null
            && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(anchor)) {
          broken.add(doc + ": " + to + " (no such heading)");
        }
      }
    }

    assertThat(links).isGreaterThan(50);
    assertThat(broken).isEmpty();
  }

  /**
   * An alert's description, a decision or a test names a section of a page by its title in quotes
   * (docs/alerts.yaml: {@code See docs/operations.md, "Lost objects".}): an operator paged at night
   * looks for it in the page's outline, which lists headings only. docs/operations.md held 22 such
   * sections (Alerts, Lost objects, Rolling restarts among them) as bold words opening a paragraph,
   * in 450 lines under no heading but the page's own and Housekeeping's: no outline entry, no
   * anchor to link to, and links into them led to the page's top (ADR 0044).
   */
  @Test
  void shouldNameOnlySectionsThatAreHeadingsOfTheirPage() throws IOException {
    Pattern reference =
        Pattern.compile("((?:docs|bench|clients/python)/[\\w./-]+\\.md),? \"([^\"]+)\"");
    List<String> references = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (Path source : sources()) {
      Matcher named = reference.matcher(Files.readString(source));
      while (named.find()) {
        Path page = Path.of(named.group(1));
        String section = named.group(2).strip().replaceAll("\\s+", " ");
        references.add(source + ": " + named.group());
        if (!Files.exists(page) || !headings(page).contains(section.toLowerCase(Locale.ROOT))) {
          missing.add(source + ": " + named.group());
        }
      }
    }

    assertThat(references).hasSizeGreaterThanOrEqualTo(5);
    assertThat(missing).as("sections named that are no heading of their page").isEmpty();
  }

  /**
   * Where the docs are named from: pages, alert rules, examples and the code's comments; not the
   * packages a manual check installs beside its script ({@code npm install} in {@code
   * bench/swagger-ui}, as docs/testing.md says), whose READMEs link to files they do not ship.
   */
  private static List<Path> sources() throws IOException {
    List<Path> sources = new ArrayList<>(List.of(README, Path.of("clients/python/README.md")));
    for (String root : List.of("docs", "bench", "examples", "src/main/java", "src/test/java")) {
      try (Stream<Path> files = Files.walk(Path.of(root))) {
        files
            .filter(f -> f.toString().matches(".*\\.(md|yaml|java)$"))
            .filter(f -> !f.toString().contains("/node_modules/"))
            .sorted()
            .forEach(sources::add);
      }
    }
    return sources;
  }

  /**
   * GitHub's anchors: each heading lower-cased, punctuation dropped, spaces made hyphens, a heading
   * met before taking {@code -1}, {@code -2}.
   */
  private static Set<String> anchors(Path markdown) {
    Set<String> anchors = new TreeSet<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (String heading : headings(markdown)) {
      String anchor = heading.replace("`", "").replaceAll("[^\\w\\- ]", "").replace(' ', '-');
      int before = seen.merge(anchor, 1, Integer::sum) - 1;
      anchors.add(before == 0 ? anchor : anchor + "-" + before);
    }
    return anchors;
  }

  /** The page's headings in order, lower-cased; a {@code #} line in a fenced block is none. */
  private static List<String> headings(Path markdown) {
    List<String> headings = new ArrayList<>();
    boolean fenced = false;
    try {
      for (String line : Files.readAllLines(markdown)) {
        if (line.strip().startsWith("```")) {
          fenced = !fenced;
        } else if (!fenced && line.matches("^#{1,6} .*")) {
          headings.add(line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return headings;
  }
}
