package dev.pt2cache.entry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Deletes, when an instance starts, the spool files ({@link SpooledContent}) that an instance
 * killed while it spooled left behind: a SIGKILL or an out-of-memory exit skips their deletion, and
 * each may be as large as the largest entry. Each writer holds a lock on its file while the file
 * exists, and the kernel drops it when the writer ends, however it ends; a file whose lock can be
 * taken has no writer and goes at once, so that an instance restarted in a loop over the same
 * {@code /tmp} does not fill it, while the files of instances still running stay, wherever they run
 * on the host (several containers sharing a host's {@code /tmp} each have a PID namespace of their
 * own, where pids name nothing across). This process's own files are left alone. Files of an older
 * name, or on a file system that cannot lock, go once untouched for a day: no spool is written to
 * for that long (docs/adr/0035).
 */
@Component
class SpoolSweeper {

  private static final Logger log = LoggerFactory.getLogger(SpoolSweeper.class);
  static final Duration UNTOUCHED = Duration.ofDays(1);

  @EventListener(ApplicationReadyEvent.class)
  void sweep() {
    sweep(SpooledContent.DIRECTORY, Instant.now().minus(UNTOUCHED));
  }

  /**
   * Whether a spool file is left over: nobody holds its lock, or, where that cannot be told, it was
   * last written before {@code before}.
   */
  private static boolean leftOver(Path spool, Instant before) throws IOException {
    String name = spool.getFileName().toString().substring(SpooledContent.PREFIX.length());
    if (name.startsWith(SpooledContent.LOCKED + SpooledContent.OWNER)
        && !SpooledContent.OWNER.isEmpty()) {
      return false;
    }
    if (name.startsWith(SpooledContent.LOCKED)) {
      Optional<Boolean> held = held(spool);
      if (held.isPresent()) {
        return !held.get();
      }
    }
    return Files.getLastModifiedTime(spool).toInstant().isBefore(before);
  }

  /** Whether another process holds the file's lock; empty where the file system cannot tell. */
  private static Optional<Boolean> held(Path spool) {
    try (FileChannel channel = FileChannel.open(spool, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return Optional.of(true);
      }
      lock.release();
      return Optional.of(false);
    } catch (OverlappingFileLockException ours) {
      return Optional.of(true);
    } catch (IOException e) {
      log.debug("spool file {} could not be locked: {}", spool, e.toString());
      return Optional.empty();
    }
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
