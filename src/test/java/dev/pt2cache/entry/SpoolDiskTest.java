package dev.pt2cache.entry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.support.EmbeddedInfra;
import dev.pt2cache.support.Fixtures;
import dev.pt2cache.support.ServiceJvm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one thing the service writes to its own disk, the spool of an entry sent without its digest,
 * when that disk fails it: the instance answers {@code 503 spool-unavailable} with {@code
 * Retry-After}, keeps no partial file and no entry, logs the cause, and takes the next body once
 * the disk does. The service runs in a JVM of its own, {@code java.io.tmpdir} a directory of the
 * test's, under a shell's {@code ulimit -f}: the kernel then refuses a write past that size with
 * {@code EFBIG} ("File too large"; the JVM ignores {@code SIGXFSZ}), as a full disk refuses one
 * with {@code ENOSPC}, through the same write call, without root or a filesystem of a given size.
 */
class SpoolDiskTest {

  /** The largest file the service's process may write; the embedded PostgreSQL's are smaller. */
  static final int FILE_LIMIT = 32 << 20;

  static final String BEARER = "Bearer " + EmbeddedInfra.ADMIN_TOKEN;

  @TempDir static Path data;
  static Path tmp;
  static ServiceJvm service;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    tmp = Files.createDirectories(data.resolve("tmp"));
    Path serviceData = Files.createDirectories(data.resolve("service"));
    List<String> command =
        new ArrayList<>(
            List.of("bash", "-c", "ulimit -f " + (FILE_LIMIT >> 10) + " && exec \"$0\" \"$@\""));
    // the PostgreSQL binaries where every other test's are, not unpacked again under the spool's
    // directory (which the embedded PostgreSQL takes as its default place for them)
    String binaries = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString();
    command.addAll(
        ServiceJvm.embeddedDefaultCommand(
            serviceData,
            List.of(
                ServiceJvm.CLIENT_COMPILER_ONLY,
                "-Djava.io.tmpdir=" + tmp,
                "-Dot.epg.working-dir=" + binaries)));
    service = ServiceJvm.start(command, Map.of(), serviceData.resolve("service.log"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void shouldAnswer503WhenTheDiskRefusesTheSpoolAndKeepNothing() throws Exception {
    String key = "full-" + UUID.randomUUID();

    HttpResponse<String> refused = putWithoutDigest(key, Fixtures.randomBytes(FILE_LIMIT + 4096));

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(refused.body()).contains("\"type\":\"urn:pt2cache:problem:spool-unavailable\"");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(spoolFiles()).as("the partial spool file is deleted").isZero();
    assertThat(head(key)).as("nothing stored under the key").isEqualTo(404);
    assertThat(Files.readString(data.resolve("service/service.log")))
        .as("the operator's cause, in the log (once per 10 s, with its stack trace)")
        .contains("temporary storage (java.io.tmpdir) failed");

    byte[] fits = Fixtures.randomBytes(100_000);
    assertThat(putWithoutDigest(key, fits).statusCode())
        .as("a body the disk takes, under the same key")
        .isEqualTo(201);
    assertThat(spoolFiles()).isZero();
  }

  /** An operator's cleanup deleted the directory (or it went read-only): the same answer. */
  @Test
  void shouldAnswer503WhileTheSpoolDirectoryIsGone() throws Exception {
    Path moved = data.resolve("tmp-gone");
    Files.move(tmp, moved);
    try {
      HttpResponse<String> refused =
          putWithoutDigest("gone-" + UUID.randomUUID(), Fixtures.randomBytes(1000));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.body()).contains("spool-unavailable");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    } finally {
      Files.move(moved, tmp);
    }
    assertThat(
            putWithoutDigest("back-" + UUID.randomUUID(), Fixtures.randomBytes(1000)).statusCode())
        .isEqualTo(201);
  }

  /** Chunked, without X-Content-SHA256: the body is spooled to be hashed. */
  private HttpResponse<String> putWithoutDigest(String key, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(entry(key))
            .header("Authorization", BEARER)
            .header("Content-Type", "application/octet-stream")
            .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
            .build(),
        BodyHandlers.ofString());
  }

  private int head(String key) throws Exception {
    return http.send(
            HttpRequest.newBuilder(entry(key))
                .header("Authorization", BEARER)
                .method("HEAD", BodyPublishers.noBody())
                .build(),
            BodyHandlers.discarding())
        .statusCode();
  }

  private URI entry(String key) {
    return URI.create(service.url() + "/v1/namespaces/default/entries/autotune/" + key);
  }

  private static long spoolFiles() throws IOException {
    try (Stream<Path> files = Files.list(tmp)) {
      return files.filter(f -> f.getFileName().toString().startsWith("pt2cache-upload-")).count();
    }
  }
}
