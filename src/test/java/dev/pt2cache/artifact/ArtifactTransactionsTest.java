package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.pt2cache.support.ApiClient.ApiResponse;
import dev.pt2cache.support.Descriptors;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceTest;
import dev.pt2cache.system.RequestLogFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The transactions that uploads and reads run in: which calls open one, with which settings
 * (propagation, isolation, read-only, the exceptions that commit), which join the caller's, and
 * which are the caller's own code (a call within a bean, not through its proxy, runs no
 * transactional advice at all). Read from Spring's own transaction lines (the interceptor's
 * "Getting transaction for [...]" at TRACE, the manager's at DEBUG) on the request's thread, and
 * compared with {@code artifact-transactions.txt}. The lines show the locks in the order they are
 * taken (the rules lock, the key's, the content's, then the rows: ArtifactPolicy#rulesLock) and
 * each repository call in its transaction.
 *
 * <p>The names of the classes that decide what a key holds and that read artifacts are left out of
 * the lines ({@link #SPLIT}): what is pinned is the methods and their transactions, whichever class
 * holds them.
 */
class ArtifactTransactionsTest extends ServiceTest {

  /** The classes whose methods may move between each other; their names are left out. */
  static final Pattern SPLIT =
      Pattern.compile(
          "dev\\.pt2cache\\.artifact\\."
              + "(ArtifactWrites|KeyReservation|ArtifactReader|ArtifactDownloads|RulesInForce)\\.");

  static final Path PINNED =
      Path.of("src/test/resources/dev/pt2cache/artifact/artifact-transactions.txt");

  static final Pattern NAMED = Pattern.compile("\\[([^\\]]+)]");

  static final String[] LOGGERS = {
    "org.springframework.transaction",
    "org.springframework.orm.jpa",
    "dev.pt2cache.system.LostConnectionRollback"
  };

  static final String BAD_TORCH = "2.11.0.dev20261101+cu130";

  final byte[] bytes = Fixtures.randomBytes(700);
  final String model = Descriptors.uniqueModel();
  final String badBuild = Descriptors.of(model, "1", BAD_TORCH, "NVIDIA H100 80GB HBM3");

  @Test
  void shouldReserveADeclarationInATransactionOfItsOwn() {
    pin("declare", transactions(() -> declareMegaCache(badBuild, bytes), 201));
  }

  @Test
  void shouldCheckTheHolderThenCommitTheBytesInTransactionsOfTheirOwn() {
    String uploadUrl = declareMegaCache(badBuild, bytes).json().get("uploadUrl").asString();
    pin("put-bytes", transactions(() -> api.putBytes(uploadUrl, bytes), 200));
  }

  @Test
  void shouldReserveADeclarationReadyAtOnceUnderTheRulesLock() {
    uploadMegaCache(badBuild, bytes);
    String other = Descriptors.of(Descriptors.uniqueModel());
    pin("ready-at-once", transactions(() -> declareMegaCache(other, bytes), 201));
  }

  @Test
  void shouldReserveAndCommitAnEntryInTransactionsOfTheirOwn() {
    String entry = path("/entries/fx-graph/pt2-sig-" + UUID.randomUUID());
    pin(
        "entry-put",
        transactions(
            () -> api.putBytes(entry, bytes, "X-Content-SHA256", Fixtures.sha256(bytes)), 201));
  }

  /** A declaration a rule in force refuses is refused before any transaction. */
  @Test
  void shouldRefuseARuledDeclarationBeforeAnyTransaction() {
    uploadMegaCache(badBuild, bytes);
    standingRule();
    pin("declare-ruled", transactions(() -> declareMegaCache(badBuild, bytes), 409));
  }

  /**
   * An entry sent again without the descriptor the rule matches: the reservation retires the key's
   * holder, which the rule matches, within its own transaction, and the commit makes the new one
   * ready.
   */
  @Test
  void shouldRetireARuledHolderWithinTheReservation() {
    String entry = path("/entries/fx-graph/k-" + UUID.randomUUID());
    assertThat(
            api.putBytes(entry, bytes, "X-Pt2cache-Descriptor", badBuild.replaceAll("\\s+", " "))
                .status())
        .isEqualTo(201);
    standingRule();
    pin("reserve-retires-holder", transactions(() -> api.putBytes(entry, bytes), 201));
  }

  /** The commit refuses what a rule made since its reservation matches, and keeps the delete. */
  @Test
  void shouldCommitTheDropOfAnUploadARuleRefusesAtCommit() {
    String uploadUrl = declareMegaCache(badBuild, bytes).json().get("uploadUrl").asString();
    standingRule();
    pin("commit-refused", transactions(() -> api.putBytes(uploadUrl, bytes), 409));
  }

  /**
   * Bytes sent to a reservation whose key another upload won: verified, the reservation dropped.
   */
  @Test
  void shouldDropAReservationWhoseKeyWasWonInATransactionOfItsOwn() {
    String uploadUrl = declareMegaCache(badBuild, bytes).json().get("uploadUrl").asString();
    String winner = declareMegaCache(badBuild, bytes).json().get("uploadUrl").asString();
    assertThat(api.putBytes(winner, bytes).status()).isEqualTo(200);
    pin("settled-already", transactions(() -> api.putBytes(uploadUrl, bytes), 200));
  }

  /** Reads, a rule in force or not, run outside any transaction of the service's. */
  @Test
  void shouldReadOutsideTransactions() {
    String id = uploadMegaCache(badBuild, bytes).json().get("id").asString();
    String entry = path("/entries/fx-graph/pt2-sig-" + UUID.randomUUID());
    api.putBytes(entry, bytes, "X-Content-SHA256", Fixtures.sha256(bytes));
    String lookup = Descriptors.lookup("mega-cache", badBuild);

    pin("get", transactions(() -> api.get(path("/artifacts/" + id)), 200));
    pin("list", transactions(() -> api.get(path("/artifacts?state=ready")), 200));
    pin("download", transactions(() -> api.get(path("/artifacts/" + id + "/content")), 200));
    pin("head-content", transactions(() -> api.head(path("/artifacts/" + id + "/content")), 200));
    pin("entry-get", transactions(() -> api.get(entry), 200));
    pin("entry-head", transactions(() -> api.head(entry), 200));
    pin("lookup", transactions(() -> api.postJson(path("/lookups"), lookup), 200));
    standingRule();
    pin("get-ruled", transactions(() -> api.get(path("/artifacts/" + id)), 200));
    pin("list-ruled", transactions(() -> api.get(path("/artifacts?state=ready")), 200));
    pin("download-ruled", transactions(() -> api.get(path("/artifacts/" + id + "/content")), 410));
    pin("lookup-ruled", transactions(() -> api.postJson(path("/lookups"), lookup), 200));
  }

  /** A blocking rule written as one being made is, before any batch of it has run. */
  void standingRule() {
    jdbc.sql(
            """
            insert into invalidation (id, namespace, selector, reason, blocking)
            values (?, ?, cast(? as jsonb), 'miscompiles conv2d', true)
            """)
        .params(UUID.randomUUID(), ns, "{\"torch\": \"%s\"}".formatted(BAD_TORCH))
        .update();
  }

  /** Asserts the request's transactions are the section {@code [name]} of {@link #PINNED}. */
  static void pin(String name, List<String> seen) {
    assertThat(seen).as("[%s] of %s", name, PINNED).containsExactlyElementsOf(pinned(name));
  }

  static List<String> pinned(String name) {
    List<String> section = new ArrayList<>();
    boolean in = false;
    boolean found = false;
    try {
      for (String line : Files.readAllLines(PINNED)) {
        if (line.startsWith("[")) {
          in = line.equals("[" + name + "]");
          found |= in;
        } else if (in && !line.isBlank()) {
          section.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(found).as("a section [%s] in %s", name, PINNED).isTrue();
    return section;
  }

  /**
   * The transaction lines the request logged on its thread (platform or virtual), the split
   * classes' names left out: "open m: settings" where a call opens one, "join" where one is joined,
   * "advise m" for each call through transactional advice, "commit" and "rollback".
   */
  List<String> transactions(Supplier<ApiResponse> request, int status) {
    List<String> seen = new ArrayList<>();
    AppenderBase<ILoggingEvent> lines =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent line) {
            // a request's line, by the request id that RequestLogFilter, the first filter, puts
            // on its thread: a platform thread ("http-nio-...") or, from Java 24, a virtual one
            // ("tomcat-handler-..."); the scheduler's hit flushes carry none
            if (line.getMDCPropertyMap().containsKey(RequestLogFilter.REQUEST_ID)) {
              compact(SPLIT.matcher(line.getFormattedMessage()).replaceAll(""))
                  .ifPresent(seen::add);
            }
          }
        };
    lines.start();
    List<Logger> loggers = new ArrayList<>();
    List<Level> levels = new ArrayList<>();
    for (String name : LOGGERS) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      levels.add(logger.getLevel());
      logger.setLevel(Level.TRACE);
      logger.setAdditive(false);
      logger.addAppender(lines);
      loggers.add(logger);
    }
    ApiResponse response;
    try {
      response = request.get();
    } finally {
      for (int i = 0; i < loggers.size(); i++) {
        loggers.get(i).detachAppender(lines);
        loggers.get(i).setAdditive(true);
        loggers.get(i).setLevel(levels.get(i));
      }
    }
    assertThat(response.status()).as(response.text()).isEqualTo(status);
    synchronized (lines) {
      return List.copyOf(seen);
    }
  }

  /**
   * A transaction line, short: "open m: settings" where a call opens a transaction, "advise m" for
   * each call through transactional advice, "join" where it joins the open one, "through m" for a
   * call through a transactional bean's proxy to a method without a transaction, "throw m" where
   * one ends in an exception, "rollback-only", "commit" and "rollback".
   */
  static Optional<String> compact(String message) {
    Matcher name = NAMED.matcher(message);
    String named =
        (name.find() ? name.group(1) : "?")
            .replace("org.springframework.data.jpa.repository.support.SimpleJpaRepository.", "")
            .replace("dev.pt2cache.", "");
    if (message.startsWith("Creating new transaction")) {
      return Optional.of("open " + named + message.substring(message.indexOf("]:") + 1));
    }
    if (message.startsWith("Getting transaction for")) {
      return Optional.of("advise " + named);
    }
    if (message.startsWith("Completing transaction for") && message.contains("after exception")) {
      return Optional.of("throw " + named);
    }
    if (message.startsWith("No need to create transaction for")) {
      return Optional.of("through " + named);
    }
    if (message.startsWith("Participating in existing transaction")) {
      return Optional.of("join");
    }
    if (message.startsWith("Participating transaction failed")) {
      return Optional.of("rollback-only");
    }
    if (message.startsWith("Initiating transaction commit")) {
      return Optional.of("commit");
    }
    if (message.startsWith("Initiating transaction rollback")) {
      return Optional.of("rollback");
    }
    if (message.startsWith("Suspending current transaction")) {
      return Optional.of("suspend");
    }
    return Optional.empty();
  }
}
