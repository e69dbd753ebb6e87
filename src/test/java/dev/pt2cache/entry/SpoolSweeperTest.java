package dev.pt2cache.entry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pt2cache.blob.ByteBudget;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spool files a killed instance left are deleted at the next start; those in use are not. */
class SpoolSweeperTest {

  @TempDir Path directory;

  @Test
  void shouldDeleteOnlySpoolFilesUntouchedForADay() throws Exception {
    Path left = spool("left", Instant.now().minus(Duration.ofDays(2)));
    Path inUse = spool("in-use", Instant.now());
    Path other = Files.writeString(directory.resolve("pt2cache-notes.txt"), "x");
    Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(Duration.ofDays(9))));

    int deleted = SpoolSweeper.sweep(directory, Instant.now().minus(SpoolSweeper.UNTOUCHED));

    assertThat(deleted).isEqualTo(1);
    assertThat(left).doesNotExist();
    assertThat(inUse).exists();
    assertThat(other).as("not a spool file").exists();
  }

  /**
   * A spool file's writer holds its lock while the file exists, and the kernel lets it go when the
   * writer ends, however it ends. A file nobody holds goes at once, whatever its age (an instance
   * restarted in a loop over the same {@code /tmp}, a container's process pid 1 each time, does not
   * fill it); one another process holds stays however old, in whatever PID namespace that process
   * runs (containers sharing a host's {@code /tmp}: before, a starting instance judged the files by
   * pid and deleted the spool a neighbouring container was writing, whose upload then failed); it
   * goes once that process is killed.
   */
  @Test
  void shouldDeleteAtOnceTheFilesNobodyHoldsAndKeepThoseAnotherProcessHolds() throws Exception {
    Instant now = Instant.now();
    Path orphan = spool(SpooledContent.LOCKED + "1-1-a", now);
    Path held = spool(SpooledContent.LOCKED + "1-1-b", now.minus(Duration.ofDays(2)));
    Process holder = hold(held);
    try {
      int deleted = SpoolSweeper.sweep(directory, now.minus(SpoolSweeper.UNTOUCHED));

      assertThat(orphan).as("nobody holds it").doesNotExist();
      assertThat(held).as("another process holds it, however old").exists();
      assertThat(deleted).isEqualTo(1);
    } finally {
      holder.destroyForcibly().waitFor();
    }

    assertThat(SpoolSweeper.sweep(directory, now.minus(SpoolSweeper.UNTOUCHED))).isEqualTo(1);
    assertThat(held).as("its holder was killed").doesNotExist();
  }

  /**
   * A body this process is spooling stays, and keeps its lock: the sweeper leaves this process's
   * own files alone, since opening and closing one here would drop the POSIX lock this process
   * holds on it, and a neighbour's sweeper would then delete the spool mid-upload.
   */
  @Test
  void shouldKeepTheFileAndTheLockOfABodyThisProcessSpools() throws Exception {
    try (SpooledContent spool =
        SpooledContent.of(
            directory,
            new ByteArrayInputStream(new byte[1000]),
            10_000,
            new ByteBudget(10_000),
            Duration.ZERO)) {
      Path file;
      try (Stream<Path> spooled = Files.list(directory)) {
        file = spooled.findFirst().orElseThrow();
      }
      assertThat(SpoolSweeper.sweep(directory, Instant.now().minus(SpoolSweeper.UNTOUCHED)))
          .isZero();
      assertThat(file).exists();
      assertThat(lockTakenBy(file)).as("another process finds the lock still held").isFalse();
      try (InputStream bytes = spool.open()) {
        assertThat(bytes.readAllBytes()).hasSize(1000);
      }
      try (InputStream again = spool.open()) {
        assertThat(again.readAllBytes()).as("read back again, from the start").hasSize(1000);
      }
    }
    try (Stream<Path> left = Files.list(directory)) {
      assertThat(left).as("deleted on close").isEmpty();
    }
  }

  /** Whether another process (Python, a POSIX record lock, as a neighbour's JVM takes) gets it. */
  private static boolean lockTakenBy(Path file) throws Exception {
    Process taker =
        new ProcessBuilder(
                "python3",
                "-c",
                "import fcntl, sys\n"
                    + "f = open(sys.argv[1], 'r+b')\n"
                    + "try:\n"
                    + "    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                    + "    print('taken')\n"
                    + "except OSError:\n"
                    + "    print('held')\n",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(taker.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    taker.waitFor();
    assertThat(said.strip()).isIn("taken", "held");
    return said.strip().equals("taken");
  }

  /** Another process (Python, as a neighbour's JVM would: a POSIX record lock) holding the file. */
  private static Process hold(Path file) throws Exception {
    Process holder =
        new ProcessBuilder(
                "python3",
                "-c",
                "import fcntl, sys, time\n"
                    + "f = open(sys.argv[1], 'r+b')\n"
                    + "fcntl.lockf(f, fcntl.LOCK_EX)\n"
                    + "print('locked', flush=True)\n"
                    + "time.sleep(120)\n",
                file.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(holder.getInputStream().readNBytes(6), StandardCharsets.US_ASCII);
    assertThat(said).as("the holder took the lock").isEqualTo("locked");
    return holder;
  }

  private Path spool(String name, Instant written) throws Exception {
    Path file =
        Files.write(
            directory.resolve(SpooledContent.PREFIX + name + SpooledContent.SUFFIX), new byte[10]);
    Files.setLastModifiedTime(file, FileTime.from(written));
    return file;
  }
}
