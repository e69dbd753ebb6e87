package dev.pt2cache.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A migration, once committed, never changes: a database that ran its earlier text refuses every
 * later build at start (Flyway's checksum), and one repaired to accept the new text lacks what the
 * edit added. A correction is a new migration. The manifest (test resources) holds each migration's
 * SHA-256; a new migration is added to it, an old one's line never changes.
 */
class MigrationsUnchangedTest {

  private static final Path MIGRATIONS = Path.of("db", "migration");

  @Test
  void shouldFindEveryMigrationAsTheManifestRecordsIt() throws Exception {
    Map<String, String> recorded = manifest();
    Map<String, String> present = new TreeMap<>();
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".sql")).toList()) {
        present.put(file.getFileName().toString(), sha256(file));
      }
    }

    assertThat(present)
        .as(
            "db/migration against src/test/resources/migration-checksums.txt: an old migration"
                + " edited or removed (write a new one instead), or a new one not yet recorded")
        .containsExactlyInAnyOrderEntriesOf(recorded);
  }

  private static Map<String, String> manifest() throws IOException {
    try (InputStream in =
        MigrationsUnchangedTest.class.getResourceAsStream("/migration-checksums.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank())
          .map(line -> line.trim().split("\\s+"))
          .collect(
              Collectors.toMap(parts -> parts[1], parts -> parts[0], (a, b) -> a, TreeMap::new));
    }
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
