package dev.pt2cache.entry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pt2cache.artifact.PayloadTooLargeException;
import dev.pt2cache.blob.ByteBudget;
import dev.pt2cache.blob.StorageBusyException;
import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * A spooled body holds the disk it wrote, taken from the instance's spool budget before each write,
 * and gives it back with its file: the budget bounds the disk, and a client that stopped holds what
 * it sent, not a slot (docs/adr/0036).
 */
class SpooledContentTest {

  static final int KIB = 1024;

  @Test
  void shouldHoldTheDiskOfWhatArrivedAndGiveItBackWithTheFile() throws Exception {
    ByteBudget disk = new ByteBudget(1 << 20);
    InputStream stopsAfter4KiB =
        new SequenceInputStream(
            new ByteArrayInputStream(Fixtures.randomBytes(4 * KIB)),
            new InputStream() {
              @Override
              public int read() throws IOException {
                assertThat(disk.heldBytes()).as("held by a client that stopped").isEqualTo(4 * KIB);
                throw new IOException("the client went away");
              }
            });

    assertThatThrownBy(() -> SpooledContent.of(stopsAfter4KiB, 1 << 20, disk, Duration.ZERO))
        .isInstanceOf(IOException.class);
    assertThat(disk.heldBytes()).isZero();
    assertThat(files()).isZero();

    try (SpooledContent spool =
        SpooledContent.of(
            new ByteArrayInputStream(Fixtures.randomBytes(10_000)), 1 << 20, disk, Duration.ZERO)) {
      assertThat(disk.heldBytes()).as("10,000 bytes, rounded up to a KiB").isEqualTo(10 * KIB);
    }
    assertThat(disk.heldBytes()).isZero();
    assertThat(files()).isZero();
  }

  /**
   * A body that holds room never waits for more: bodies that did blocked each other, when together
   * they wanted more than the budget, each until its wait (the connection wait, 10 s) ran out.
   */
  @Test
  void shouldAnswerBusyAtOnceRatherThanWaitWhileHoldingRoom() throws Exception {
    ByteBudget disk = new ByteBudget(64 * KIB);
    try (SpooledContent holder =
        SpooledContent.of(
            new ByteArrayInputStream(Fixtures.randomBytes(32 * KIB)),
            64 * KIB,
            disk,
            Duration.ZERO)) {
      // in writes of 20 KiB (a ByteArrayInputStream alone writes itself in one)
      InputStream more =
          new SequenceInputStream(
              new ByteArrayInputStream(Fixtures.randomBytes(20 * KIB)),
              new ByteArrayInputStream(Fixtures.randomBytes(20 * KIB)));

      // a wait of an hour: before, the body took 20 KiB of the free 32 and then waited for more
      assertTimeoutPreemptively(
          Duration.ofSeconds(30),
          () ->
              assertThatThrownBy(() -> SpooledContent.of(more, 64 * KIB, disk, Duration.ofHours(1)))
                  .isInstanceOf(StorageBusyException.class));
      assertThat(disk.heldBytes()).as("the holder's only").isEqualTo(32 * KIB);
    }
    assertThat(disk.heldBytes()).isZero();
    assertThat(files()).isZero();
  }

  @Test
  void shouldAnswerBusyWhenTheDiskIsTakenAndKeepNothingOfIt() throws Exception {
    ByteBudget disk = new ByteBudget(64 * KIB);
    try (SpooledContent holder =
        SpooledContent.of(
            new ByteArrayInputStream(Fixtures.randomBytes(48 * KIB)),
            64 * KIB,
            disk,
            Duration.ZERO)) {
      InputStream more = new ByteArrayInputStream(Fixtures.randomBytes(32 * KIB));

      assertThatThrownBy(() -> SpooledContent.of(more, 64 * KIB, disk, Duration.ZERO))
          .isInstanceOf(StorageBusyException.class)
          .hasMessageContaining("PT2CACHE_SPOOL_DISK")
          .hasMessageContaining("X-Content-SHA256");
      assertThat(disk.heldBytes()).as("the holder's only").isEqualTo(48 * KIB);
      assertThat(files()).isOne();
    }
    assertThat(disk.heldBytes()).isZero();
    assertThat(files()).isZero();
  }

  @Test
  void shouldRefuseABodyOverTheLimitAndKeepNothingOfIt() throws IOException {
    ByteBudget disk = new ByteBudget(1 << 20);
    InputStream large = new ByteArrayInputStream(Fixtures.randomBytes(40 * KIB));

    assertThatThrownBy(() -> SpooledContent.of(large, 32 * KIB, disk, Duration.ZERO))
        .isInstanceOf(PayloadTooLargeException.class);
    assertThat(disk.heldBytes()).isZero();
    assertThat(files()).isZero();
  }

  /**
   * A body past its namespace's share is busy and gives back what it held of both the share and the
   * disk, leaving the disk's other room to other namespaces (docs/adr/0038).
   */
  @Test
  void shouldRefuseABodyPastItsNamespacesShareAndGiveBackWhatItHeld() throws IOException {
    ByteBudget disk = new ByteBudget(64 * KIB);
    ByteBudget share = new ByteBudget(48 * KIB);
    try (SpooledContent held =
        SpooledContent.of(
            new ByteArrayInputStream(Fixtures.randomBytes(40 * KIB)),
            1 << 20,
            share,
            disk,
            Duration.ZERO)) {
      InputStream past = new ByteArrayInputStream(Fixtures.randomBytes(16 * KIB));
      assertThatThrownBy(
              () -> SpooledContent.of(past, 1 << 20, share, disk, Duration.ofMillis(100)))
          .isInstanceOf(StorageBusyException.class)
          .as("the namespace's share is what its bodies hold, not the disk (which has room)")
          .hasMessageContaining("this namespace's entries")
          .hasMessageContaining("hold its share");
      assertThat(share.heldBytes()).isEqualTo(40 * KIB);
      assertThat(disk.heldBytes()).as("the rest left to other namespaces").isEqualTo(40 * KIB);
    }
    assertThat(share.heldBytes()).isZero();
    assertThat(disk.heldBytes()).isZero();
  }

  @Test
  void shouldShareThreeQuartersOfTheSpoolDiskButAlwaysTheLargestEntry() {
    assertThat(EntryUploads.spoolShare(8L << 30, DataSize.ofGigabytes(1))).isEqualTo(6L << 30);
    assertThat(EntryUploads.spoolShare(1L << 30, DataSize.ofGigabytes(1))).isEqualTo(1L << 30);
  }

  /** This process's spool files (the directory is shared with other processes). */
  private static long files() throws IOException {
    String ours = SpooledContent.PREFIX + SpooledContent.LOCKED + SpooledContent.OWNER;
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(f -> f.getFileName().toString().startsWith(ours)).count();
    }
  }
}
