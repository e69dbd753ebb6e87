package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.blob.ContentMismatchException.Mismatch;
import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkedBufferTest {

  /** A real PyTorch cache artifact (about 2 MB), so several chunks and a short last one. */
  final byte[] content = Fixtures.GPT2.bytes();

  final BlobExpectation expected =
      new BlobExpectation(Fixtures.GPT2.sha256(), Fixtures.GPT2.size());

  @Test
  void shouldGiveBackTheVerifiedBytesAsOftenAsTheSenderAsks() throws Exception {
    assertThat(content.length % ChunkedBuffer.CHUNK_SIZE).isNotZero();
    VerifyingReader reader = new VerifyingReader(new ByteArrayInputStream(content), expected);

    ChunkedBuffer buffer = readWithRoom(reader, content.length);
    reader.finish();

    try (InputStream first = buffer.open();
        InputStream retry = buffer.open()) {
      assertThat(first.readAllBytes()).isEqualTo(content);
      assertThat(retry.readAllBytes()).isEqualTo(content);
    }
  }

  @ParameterizedTest
  @ValueSource(
      ints = {
        0,
        1,
        ChunkedBuffer.FIRST_CHUNK_SIZE,
        ChunkedBuffer.FIRST_CHUNK_SIZE + 1,
        ChunkedBuffer.CHUNK_SIZE,
        ChunkedBuffer.FIRST_CHUNK_SIZE + ChunkedBuffer.CHUNK_SIZE,
        2 * ChunkedBuffer.CHUNK_SIZE
      })
  void shouldHoldEmptyAndWholeChunkBodies(int size) throws Exception {
    byte[] body = Fixtures.randomBytes(size);
    VerifyingReader reader =
        new VerifyingReader(
            new ByteArrayInputStream(body), new BlobExpectation(Fixtures.sha256(body), size));

    ChunkedBuffer buffer = readWithRoom(reader, size);
    reader.finish();

    try (InputStream sent = buffer.open()) {
      assertThat(sent.readAllBytes()).isEqualTo(body);
    }
  }

  @Test
  void shouldRefuseABodyShorterThanDeclared() {
    byte[] shorter = Arrays.copyOf(content, content.length - ChunkedBuffer.CHUNK_SIZE);
    VerifyingReader reader = new VerifyingReader(new ByteArrayInputStream(shorter), expected);

    assertThatThrownBy(() -> readWithRoom(reader, content.length))
        .isInstanceOfSatisfying(
            ContentMismatchException.class, e -> assertThat(e.mismatch()).isEqualTo(Mismatch.SIZE));
  }

  @Test
  void shouldHoldRoomForWhatArrivedAndGiveItBackWhenTheClientGoes() {
    ByteBudget memory = new ByteBudget(8 << 20);
    InputStream stopsAfter4KiB =
        new SequenceInputStream(
            new ByteArrayInputStream(content, 0, 4096),
            new InputStream() {
              @Override
              public int read() throws IOException {
                assertThat(memory.heldBytes())
                    .as("room held by a body whose client stopped after 4 KiB")
                    .isEqualTo(ChunkedBuffer.FIRST_CHUNK_SIZE);
                throw new IOException("the client went away");
              }
            });
    VerifyingReader reader = new VerifyingReader(stopsAfter4KiB, expected);

    assertThatThrownBy(() -> ChunkedBuffer.readWhileRoom(reader, content.length, memory))
        .isInstanceOf(IOException.class);
    assertThat(memory.heldBytes()).isZero();
  }

  /**
   * A read stops at the first chunk that finds no room, holding what it read, and never waits for
   * more while it holds some (heads that did blocked each other until one got 503 after 30 s).
   */
  @Test
  void shouldStopAtTheFirstChunkThatFindsNoRoom() throws Exception {
    ByteBudget memory = new ByteBudget(ChunkedBuffer.FIRST_CHUNK_SIZE + ChunkedBuffer.CHUNK_SIZE);
    VerifyingReader reader = new VerifyingReader(new ByteArrayInputStream(content), expected);

    try (ChunkedBuffer head = ChunkedBuffer.readWhileRoom(reader, content.length, memory)) {
      int read = ChunkedBuffer.FIRST_CHUNK_SIZE + ChunkedBuffer.CHUNK_SIZE;
      assertThat(head.length()).isEqualTo(read);
      assertThat(memory.heldBytes()).isEqualTo(read);
      try (InputStream sent = head.open()) {
        assertThat(sent.readAllBytes()).isEqualTo(Arrays.copyOf(content, read));
      }
      VerifyingReader another = new VerifyingReader(new ByteArrayInputStream(content), expected);
      try (ChunkedBuffer none = ChunkedBuffer.readWhileRoom(another, content.length, memory)) {
        assertThat(none.length()).as("no room: nothing read, nothing held").isZero();
      }
    }
    assertThat(memory.heldBytes()).isZero();
  }

  /**
   * The first part of a larger upload, passed on before the rest: its room comes back once its
   * bytes have gone, not when the upload ends (which would hold the room of 16 parts while 16 large
   * uploads stream).
   */
  @Test
  void shouldGiveTheRoomOfADrainedHeadBackOnceItsBytesHaveGone() throws Exception {
    ByteBudget memory = new ByteBudget(8 << 20);
    int head = ChunkedBuffer.CHUNK_SIZE + 100;
    try (ChunkedBuffer buffer =
        ChunkedBuffer.readWhileRoom(
            new VerifyingReader(new ByteArrayInputStream(content), expected), head, memory)) {
      InputStream body =
          buffer.drainThen(new ByteArrayInputStream(content, head, content.length - head));
      assertThat(body.readNBytes(head)).isEqualTo(Arrays.copyOf(content, head));
      assertThat(memory.heldBytes()).as("held until the head is read").isPositive();
      assertThat(body.read()).as("the rest follows").isEqualTo(content[head] & 0xff);
      assertThat(memory.heldBytes()).isZero();
      assertThat(body.readAllBytes())
          .isEqualTo(Arrays.copyOfRange(content, head + 1, content.length));
    }
    assertThat(memory.heldBytes()).as("given back once only").isZero();
  }

  /** A head whose upload ends before its bytes have gone gives its room back when it is closed. */
  @Test
  void shouldGiveTheRoomOfAHeadBackWhenItsStreamIsClosedPartWay() throws Exception {
    ByteBudget memory = new ByteBudget(8 << 20);
    int head = 2 * ChunkedBuffer.CHUNK_SIZE;
    ByteArrayInputStream rest = new ByteArrayInputStream(content, head, content.length - head);
    try (ChunkedBuffer buffer =
        ChunkedBuffer.readWhileRoom(
            new VerifyingReader(new ByteArrayInputStream(content), expected), head, memory)) {
      InputStream body = buffer.drainThen(rest);
      assertThat(body.readNBytes(100)).isEqualTo(Arrays.copyOf(content, 100));

      body.close();

      assertThat(memory.heldBytes()).isZero();
      assertThat(buffer.length()).as("what was read, still known").isEqualTo(head);
    }
    assertThat(memory.heldBytes()).isZero();
  }

  /**
   * A drained head lets each chunk go once its bytes have been read, not when the whole head has:
   * the chunks are the arrays the body was read into, and each read one must be collectable while
   * the stream still passes the rest of the head on (a head that kept them held a part of heap per
   * streamed upload while the budget counted its room free).
   */
  @Test
  void shouldLetEachChunkOfADrainedHeadGoOnceItHasBeenRead() throws Exception {
    ByteBudget memory = new ByteBudget(8 << 20);
    int head = ChunkedBuffer.FIRST_CHUNK_SIZE + 3 * ChunkedBuffer.CHUNK_SIZE;
    List<WeakReference<byte[]>> arrays = new ArrayList<>();
    InputStream client =
        new FilterInputStream(new ByteArrayInputStream(content)) {
          @Override
          public int read(byte[] buffer, int offset, int length) throws IOException {
            if (arrays.isEmpty() || arrays.get(arrays.size() - 1).get() != buffer) {
              arrays.add(new WeakReference<>(buffer));
            }
            return super.read(buffer, offset, length);
          }
        };
    try (ChunkedBuffer buffer =
        ChunkedBuffer.readWhileRoom(new VerifyingReader(client, expected), head, memory)) {
      assertThat(arrays).hasSize(4);
      InputStream body =
          buffer.drainThen(new ByteArrayInputStream(content, head, content.length - head));

      // every chunk but the last read, and one byte of the last
      assertThat(body.readNBytes(head - ChunkedBuffer.CHUNK_SIZE + 1))
          .isEqualTo(Arrays.copyOf(content, head - ChunkedBuffer.CHUNK_SIZE + 1));

      collect(arrays.subList(0, 3));
      assertThat(arrays.subList(0, 3))
          .as("the chunks already read, collectable while the head still goes")
          .allMatch(chunk -> chunk.get() == null);
      assertThat(memory.heldBytes())
          .as("the room, held until the last chunk is read")
          .isEqualTo(head);
      assertThat(body.readAllBytes())
          .isEqualTo(
              Arrays.copyOfRange(content, head - ChunkedBuffer.CHUNK_SIZE + 1, content.length));
    }
  }

  /**
   * A drained head and the rest pass every byte once, in order, whatever lengths the sender reads
   * in: reads that end within a chunk and go on past its end, as the SDK's do.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 100, 1000, 8191, ChunkedBuffer.CHUNK_SIZE + 1})
  void shouldPassTheHeadAndTheRestIntactWhateverLengthsAreRead(int read) throws Exception {
    int head = ChunkedBuffer.FIRST_CHUNK_SIZE + 2 * ChunkedBuffer.CHUNK_SIZE;
    ByteBudget memory = new ByteBudget(8 << 20);
    try (ChunkedBuffer buffer =
        ChunkedBuffer.readWhileRoom(
            new VerifyingReader(new ByteArrayInputStream(content), expected), head, memory)) {
      InputStream body =
          buffer.drainThen(new ByteArrayInputStream(content, head, content.length - head));
      ByteArrayOutputStream sent = new ByteArrayOutputStream();
      byte[] into = new byte[read];
      for (int n; (n = body.read(into, 0, read)) != -1; ) {
        sent.write(into, 0, n);
      }
      assertThat(sent.toByteArray()).isEqualTo(content);
      assertThat(memory.heldBytes()).isZero();
    }
  }

  /** Closing a drained head's stream closes the rest of the body too, as its sender expects. */
  @Test
  void shouldCloseTheRestWhenTheStreamIsClosed() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream rest =
        new FilterInputStream(new ByteArrayInputStream(content)) {
          @Override
          public void close() throws IOException {
            closed.set(true);
            super.close();
          }
        };
    try (ChunkedBuffer buffer =
        ChunkedBuffer.readWhileRoom(
            new VerifyingReader(new ByteArrayInputStream(content), expected),
            ChunkedBuffer.FIRST_CHUNK_SIZE,
            new ByteBudget(8 << 20))) {
      buffer.drainThen(rest).close();
    }
    assertThat(closed).isTrue();
  }

  /** Collects until every one of {@code references} is cleared, or ten collections have run. */
  static void collect(List<? extends WeakReference<?>> references) {
    for (int i = 0; i < 10 && references.stream().anyMatch(r -> r.get() != null); i++) {
      System.gc();
    }
  }

  /** A read with room for all of it, for the cases where the budget is not what is tested. */
  private static ChunkedBuffer readWithRoom(VerifyingReader reader, int length) throws IOException {
    return ChunkedBuffer.readWhileRoom(reader, length, new ByteBudget(Math.max(length, 1)));
  }
}
