package dev.pt2cache.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
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
   * An instance restarted in a loop over the same {@code /tmp} (a container's, its process pid 1
   * each time) leaves files that the next start deletes at once, whatever their age; those of a
   * writer still running stay.
   */
  @Test
  void shouldDeleteAtOnceTheSpoolFilesOfAWriterThatEnded() throws Exception {
    SpoolOwner self = SpoolOwner.current().orElseThrow();
    // alive until its start time is read: a process that has ended has none to read
    Process ended = new ProcessBuilder("sleep", "60").start();
    long endedStarted = ended.info().startInstant().orElseThrow().toEpochMilli();
    ended.destroy();
    ended.waitFor();
    Instant now = Instant.now();
    Path ofEnded =
        spool(
            new SpoolOwner(ended.pid(), endedStarted, SpoolOwner.NAMESPACE_HERE).tag() + "a", now);
    Path ofSamePidBefore =
        spool(
            new SpoolOwner(self.pid(), self.startedMillis() - 60_000, SpoolOwner.NAMESPACE_HERE)
                    .tag()
                + "b",
            now);
    Path ofThisProcess = spool(self.tag() + "c", now);

    int deleted = SpoolSweeper.sweep(directory, now.minus(SpoolSweeper.UNTOUCHED));

    assertThat(deleted).isEqualTo(2);
    assertThat(ofEnded).doesNotExist();
    assertThat(ofSamePidBefore).as("the process that had this pid before").doesNotExist();
    assertThat(ofThisProcess).as("its writer runs").exists();
  }

  /**
   * Instances that share one spool directory (a host's {@code /tmp} mounted into each container)
   * each run in a PID namespace of their own, where another's pid names nothing, or another
   * process: pid 1 is each container's own. A file written in another namespace therefore goes only
   * once untouched for a day, as one that names no writer. Before, a starting instance deleted the
   * spool files that its neighbours were writing (seen with two instances, one in a PID namespace
   * of its own: the other's upload then failed).
   */
  @Test
  void shouldKeepAFreshSpoolFileWrittenInAnotherPidNamespace() throws Exception {
    ProcessHandle self = ProcessHandle.current();
    // as another container's process with this pid names itself: its own start, its namespace
    long otherStart = self.info().startInstant().orElseThrow().toEpochMilli() - 60_000;
    String otherWriter = self.pid() + "-" + otherStart + "-1-";
    Instant now = Instant.now();
    Path fresh = spool(otherWriter + "a", now);
    Path untouched = spool(otherWriter + "b", now.minus(Duration.ofDays(2)));

    int deleted = SpoolSweeper.sweep(directory, now.minus(SpoolSweeper.UNTOUCHED));

    assertThat(fresh).as("its writer may be running").exists();
    assertThat(untouched).doesNotExist();
    assertThat(deleted).isEqualTo(1);
  }

  private Path spool(String name, Instant written) throws Exception {
    Path file =
        Files.write(
            directory.resolve(SpooledContent.PREFIX + name + SpooledContent.SUFFIX), new byte[10]);
    Files.setLastModifiedTime(file, FileTime.from(written));
    return file;
  }
}
