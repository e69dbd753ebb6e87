package dev.pt2cache.artifact;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Deletes, when an instance starts, the spool files ({@link SpooledContent}) that an instance
 * killed while it spooled left behind: a SIGKILL or an out-of-memory exit skips their deletion, and
 * each may be as large as the largest entry. A file whose name gives its writer (pid and start
 * time, {@link SpoolOwner}) in this PID namespace goes as soon as that process has ended, so that
 * an instance restarted in a loop over the same {@code /tmp} does not fill it; another instance on
 * the same host may be spooling into the same directory, so a live writer's files stay. Files that
 * name no writer, or one in another PID namespace (another container's, whose pids mean nothing
 * here), go once untouched for a day: no spool is written to for that long.
 */
@Component
class SpoolSweeper {

  private static final Logger log = LoggerFactory.getLogger(SpoolSweeper.class);
  static final Duration UNTOUCHED = Duration.ofDays(1);

  @EventListener(ApplicationReadyEvent.class)
  void sweep() {
    sweep(Path.of(System.getProperty("java.io.tmpdir")), Instant.now().minus(UNTOUCHED));
  }

  /**
   * Whether a spool file is left over: its writer has ended, or, where its name gives none, it was
   * last written before {@code before}.
   */
  private static boolean leftOver(Path spool, Instant before) throws IOException {
    String name = spool.getFileName().toString();
    return SpoolOwner.of(name.substring(SpooledContent.PREFIX.length()))
        .filter(SpoolOwner::here)
        .map(SpoolOwner::ended)
        .orElse(Files.getLastModifiedTime(spool).toInstant().isBefore(before));
  }

  /** Deletes the spool files in {@code directory} that are left over. */
  static int sweep(Path directory, Instant before) {
    int deleted = 0;
    long bytes = 0;
    try (DirectoryStream<Path> spools =
        Files.newDirectoryStream(directory, SpooledContent.PREFIX + "*" + SpooledContent.SUFFIX)) {
      for (Path spool : spools) {
        try {
          if (leftOver(spool, before)) {
            long size = Files.size(spool);
            if (Files.deleteIfExists(spool)) {
              deleted++;
              bytes += size;
            }
          }
        } catch (IOException e) {
          log.debug("spool file {} left: {}", spool, e.toString());
        }
      }
    } catch (IOException e) {
      log.warn("spool files in {} not swept: {}", directory, e.toString());
    }
    if (deleted > 0) {
      log.info("deleted {} spool files ({} bytes) left by instances that stopped", deleted, bytes);
    }
    return deleted;
  }
}
