package dev.pt2cache.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pt2cache.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.model.CompletedPart;

class PartPipelineTest {

  static final int PART = 64 * 1024;

  final byte[] content = Fixtures.GPT2.bytes();
  final int partCount = (content.length + PART - 1) / PART;
  final ExecutorService executor = Executors.newCachedThreadPool();

  /** What the store received, copied only after a pause, so a buffer refilled too early shows. */
  final Map<Integer, byte[]> received = new ConcurrentHashMap<>();

  final Map<Integer, Boolean> sentByCaller = new ConcurrentHashMap<>();
  final AtomicInteger sending = new AtomicInteger();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void shouldOverlapReadsAndSendsWhenASpareBufferIsFree() throws Exception {
    PartBuffers buffers = uploadRunning(2);
    Thread caller = Thread.currentThread();

    List<CompletedPart> parts = pipeline(buffers, caller, -1).sendAll(reader(), PART);

    assertThat(parts).extracting(CompletedPart::partNumber).containsExactlyElementsOf(numbers());
    assertThat(reassembled()).isEqualTo(content);
    assertThat(sentByCaller.values()).containsOnly(false);
    assertThat(buffers.tryAcquireSpare()).as("spare buffer given back").isTrue();
  }

  @Test
  void shouldReadAndSendInTurnWithoutASpareBuffer() throws Exception {
    PartBuffers buffers = uploadRunning(1);

    List<CompletedPart> parts =
        pipeline(buffers, Thread.currentThread(), -1).sendAll(reader(), PART);

    assertThat(parts).extracting(CompletedPart::partNumber).containsExactlyElementsOf(numbers());
    assertThat(reassembled()).isEqualTo(content);
    assertThat(sentByCaller.values()).containsOnly(true);
  }

  @Test
  void shouldGiveTheSpareBackAsSoonAsAnotherUploadWaits() throws Exception {
    PartBuffers buffers = uploadRunning(2);
    AtomicInteger partsSentWhenTheOtherGotIn = new AtomicInteger();
    PartPipeline.PartSink sink =
        (number, bytes, length) -> {
          if (number == 2) {
            Thread other =
                new Thread(
                    () -> {
                      try {
                        if (buffers.acquire(Duration.ofSeconds(30))) {
                          partsSentWhenTheOtherGotIn.set(received.size());
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    });
            other.start();
            awaitContended(buffers);
          }
          return record(number, bytes, length, Thread.currentThread());
        };

    newPipeline(buffers, executor, sink).sendAll(reader(), PART);

    assertThat(reassembled()).isEqualTo(content);
    // the other upload got its buffer at the next part boundary, not when this upload ended
    assertThat(partsSentWhenTheOtherGotIn.get()).isBetween(2, partCount / 2);
    assertThat(buffers.tryAcquireSpare()).as("both buffers are held now").isFalse();
  }

  @Test
  void shouldGiveTheSpareBackWhileItsOwnClientIsStillSlowToSendTheNextPart() throws Exception {
    PartBuffers buffers = uploadRunning(2);
    CountDownLatch clientResumes = new CountDownLatch(1);
    CompletableFuture<Boolean> otherGotIn = new CompletableFuture<>();
    PartPipeline.PartSink sink =
        (number, bytes, length) -> {
          if (number == 1) {
            // another upload asks for a buffer while part 1 is on its way to the store
            CompletableFuture.runAsync(
                () -> {
                  try {
                    otherGotIn.complete(buffers.acquire(Duration.ofSeconds(10)));
                  } catch (InterruptedException e) {
                    otherGotIn.complete(false);
                  }
                },
                executor);
            awaitContended(buffers);
          }
          return record(number, bytes, length, Thread.currentThread());
        };
    InputStream slowClient =
        new FilterInputStream(new ByteArrayInputStream(content)) {
          private long position;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (position >= PART) {
              try {
                clientResumes.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            int n = super.read(b, off, (int) Math.min(len, Math.max(PART - position, 1)));
            position += Math.max(n, 0);
            return n;
          }
        };
    VerifyingReader reader =
        new VerifyingReader(
            slowClient, new BlobExpectation(Fixtures.GPT2.sha256(), content.length));

    CompletableFuture<List<CompletedPart>> upload =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return newPipeline(buffers, executor, sink).sendAll(reader, PART);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            executor);

    // the client has not sent part 2 yet, and the other upload has its buffer all the same
    assertThat(otherGotIn.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(upload).isNotDone();
    clientResumes.countDown();
    assertThat(upload.get(10, TimeUnit.SECONDS)).hasSize(partCount);
    assertThat(reassembled()).isEqualTo(content);
  }

  @Test
  void shouldFailWithTheStoreErrorOnlyAfterThePartInFlightEnded() {
    PartBuffers buffers = uploadRunning(2);

    assertThatThrownBy(() -> pipeline(buffers, Thread.currentThread(), 3).sendAll(reader(), PART))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("store refused part 3");
    assertThat(sending).as("no part still going to the store").hasValue(0);
    assertThat(buffers.tryAcquireSpare()).as("spare buffer given back").isTrue();
  }

  @Test
  void shouldFailOnAShortBodyOnlyAfterThePartInFlightEnded() {
    PartBuffers buffers = uploadRunning(2);
    byte[] shorter = Arrays.copyOf(content, content.length - PART - 1);
    VerifyingReader reader =
        new VerifyingReader(
            new ByteArrayInputStream(shorter),
            new BlobExpectation(Fixtures.GPT2.sha256(), content.length));

    assertThatThrownBy(() -> pipeline(buffers, Thread.currentThread(), -1).sendAll(reader, PART))
        .isInstanceOf(ContentMismatchException.class);
    assertThat(sending).hasValue(0);
    assertThat(buffers.tryAcquireSpare()).isTrue();
  }

  /**
   * The head read before the permit goes as part 1 from its chunks: a retry of it (the SDK opens
   * its bytes again) reads the same bytes while its room is still held, and the room comes back
   * once it has gone, with a spare buffer (sent beside the next read) and without one.
   */
  @Test
  void shouldSendTheHeadAsPartOneAsOftenAsTheStoreAsksAndGiveItsRoomBackOnceItHasGone()
      throws Exception {
    for (int buffers = 1; buffers <= 2; buffers++) {
      received.clear();
      ByteBudget room = new ByteBudget(PART);
      ChunkedBuffer head = head(room);
      VerifyingReader rest = restAfter(head);
      Map<Integer, Long> roomAtRetry = new ConcurrentHashMap<>();
      PartPipeline pipeline =
          newPipeline(
              uploadRunning(buffers),
              executor,
              (number, bytes, length) -> {
                if (number == 1) {
                  // a first attempt that fails half-way, as the SDK retries one
                  try (InputStream attempt = bytes.newStream()) {
                    attempt.readNBytes(length / 2);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                  roomAtRetry.put(number, room.heldBytes());
                }
                return record(number, bytes, length, Thread.currentThread());
              });

      assertThat(pipeline.sendAll(head, rest, PART)).hasSize(partCount);
      rest.finish();

      assertThat(reassembled()).as("with %d buffers", buffers).isEqualTo(content);
      assertThat(roomAtRetry.get(1)).as("head's room while it is retried").isEqualTo((long) PART);
      assertThat(room.heldBytes()).as("head's room once it has gone").isZero();
      head.close(); // as the store's put does when the upload ends
      assertThat(room.heldBytes()).as("given back once only").isZero();
    }
  }

  /**
   * A store that refuses the head as part 1: the failure is the store's, nothing is still going,
   * and the head's room and the spare buffer come back, once, however many times the head is closed
   * after (the store's put closes it too).
   */
  @Test
  void shouldGiveTheHeadsRoomBackOnceWhenTheStoreRefusesIt() throws Exception {
    for (int buffers = 1; buffers <= 2; buffers++) {
      ByteBudget room = new ByteBudget(PART);
      ChunkedBuffer head = head(room);
      PartBuffers pool = uploadRunning(buffers);
      VerifyingReader rest = restAfter(head);

      assertThatThrownBy(() -> pipeline(pool, Thread.currentThread(), 1).sendAll(head, rest, PART))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("store refused part 1");

      assertThat(sending).hasValue(0);
      assertThat(room.heldBytes()).as("with %d buffers", buffers).isZero();
      head.close();
      assertThat(room.heldBytes()).isZero();
      assertThat(pool.tryAcquireSpare()).as("spare given back").isEqualTo(buffers == 2);
    }
  }

  /**
   * The first part's worth of {@link #content}, read into chunks that take room in {@code room}.
   */
  private ChunkedBuffer head(ByteBudget room) throws IOException {
    ChunkedBuffer head = ChunkedBuffer.readWhileRoom(reader(), PART, room);
    assertThat(head.length()).isEqualTo(PART);
    assertThat(room.heldBytes()).isEqualTo((long) PART);
    return head;
  }

  /** A reader of the rest of {@link #content}, {@code head} counted into it as read ahead. */
  private VerifyingReader restAfter(ChunkedBuffer head) {
    VerifyingReader rest =
        new VerifyingReader(
            new ByteArrayInputStream(content, PART, content.length - PART),
            new BlobExpectation(Fixtures.GPT2.sha256(), content.length));
    head.countInto(rest);
    return rest;
  }

  private PartBuffers uploadRunning(int buffers) {
    PartBuffers pool = new PartBuffers(buffers);
    try {
      assertThat(pool.acquire(Duration.ZERO)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return pool;
  }

  /** A pipeline whose part buffers are counted on a count of its own. */
  private static PartPipeline newPipeline(
      SparePermits buffers, Executor executor, PartPipeline.PartSink sink) {
    return new PartPipeline(buffers, executor, sink, new AtomicLong());
  }

  private PartPipeline pipeline(PartBuffers buffers, Thread caller, int failingPart) {
    return newPipeline(
        buffers,
        executor,
        (number, bytes, length) -> {
          if (number == failingPart) {
            throw new IllegalStateException("store refused part " + number);
          }
          return record(number, bytes, length, caller);
        });
  }

  private CompletedPart record(int number, ContentStreamProvider bytes, int length, Thread caller) {
    sending.incrementAndGet();
    try (InputStream in = bytes.newStream()) {
      Thread.sleep(5);
      received.put(number, in.readNBytes(length));
      sentByCaller.put(number, Thread.currentThread() == caller);
      return CompletedPart.builder().partNumber(number).eTag("etag-" + number).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      sending.decrementAndGet();
    }
  }

  private VerifyingReader reader() {
    return new VerifyingReader(
        new ByteArrayInputStream(content),
        new BlobExpectation(Fixtures.GPT2.sha256(), content.length));
  }

  private List<Integer> numbers() {
    return java.util.stream.IntStream.rangeClosed(1, partCount).boxed().toList();
  }

  private byte[] reassembled() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    numbers().forEach(n -> out.writeBytes(received.get(n)));
    return out.toByteArray();
  }

  private static void awaitContended(PartBuffers buffers) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!buffers.contended() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }
}
