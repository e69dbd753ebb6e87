package dev.pt2cache.blob;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkServiceClientConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Writes one blob, verifying it while it streams, so a wrong upload never becomes visible under a
 * content address:
 *
 * <ul>
 *   <li>a blob up to the part size is read and checked first ({@link ChunkedBuffer}), then sent
 *       with one {@code PutObject} ({@link #readHead}, {@link #sendWhole}: the caller takes the
 *       upload permit between the two, so a client slow to send holds none); when the heap for such
 *       bodies is spent, what was read goes ahead of the rest through {@link #write};
 *   <li>a larger one up to {@code single-put-max}, its first part read likewise before the permit
 *       ({@link #readHead}), streams to the store in one {@code PutObject} whose last bytes wait
 *       for the check ({@link HeldBackBody}, ADR 0013);
 *   <li>anything larger goes up as a multipart upload that is completed only when digest and size
 *       match, and aborted otherwise. Signed payloads change none of this: over plain HTTP the SDK
 *       signs a body of declared length chunk by chunk as it sends it ({@code aws-chunked}, {@code
 *       STREAMING-AWS4-HMAC-SHA256-PAYLOAD}), reading it once, and over HTTPS leaves it unsigned
 *       ({@code PayloadSigningTest}). It holds one part at a time, and a second while {@link
 *       PartBuffers} has one to spare; its first part is the head that {@link #readHead} read, sent
 *       from its chunks, not copied into a part buffer.
 * </ul>
 */
final class S3BlobWriter {

  private static final Logger log = LoggerFactory.getLogger(S3BlobWriter.class);
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3Client s3;
  private final String bucket;
  private final StorageProperties properties;
  private final long partSize;
  private final long singlePutMax;
  private final Executor partSenders;
  private final Duration controlTimeout;
  private final AtomicLong partBytes;

  S3BlobWriter(
      S3Client s3,
      String bucket,
      StorageProperties properties,
      long singlePutMax,
      Executor partSenders,
      Duration controlTimeout,
      AtomicLong partBytes) {
    this.s3 = s3;
    this.bucket = bucket;
    this.properties = properties;
    this.partSize = properties.partSize().toBytes();
    this.singlePutMax = singlePutMax;
    this.partSenders = partSenders;
    this.controlTimeout = controlTimeout;
    this.partBytes = partBytes;
  }

  /**
   * Stores a blob that {@link #readHead} did not take whole: {@code head}, what it read, then the
   * rest of {@code content}. A multipart upload takes its spare permits from {@code spares}, and
   * sends a head that holds a whole part as its first part, from the chunks it was read into.
   */
  void write(
      BlobExpectation expected, ChunkedBuffer head, InputStream content, SparePermits spares) {
    String key = BlobStore.objectKey(expected.sha256());
    long part = properties.partFor(expected.sizeBytes());
    try {
      if (streams(expected.sizeBytes())) {
        putStreamed(key, new VerifyingReader(ahead(head, content), expected), expected.sizeBytes());
      } else {
        // at most MAX_PART: the part size and the largest artifact are bounded at start to fit
        putMultipart(key, expected, head, content, Math.toIntExact(part), spares);
      }
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (SdkException e) {
      throw StoreFailures.of("storing " + key, e);
    }
  }

  /** The head's bytes, then the rest: the head's room comes back once its bytes have gone. */
  private static InputStream ahead(ChunkedBuffer head, InputStream content) {
    return head.drainThen(content);
  }

  /**
   * Whether a blob of this size is read whole before it is sent ({@link #readHead}, {@link
   * #sendWhole}), room permitting; {@link #write} takes any other.
   */
  boolean readsFirst(long size) {
    return !streams(size) && size <= partSize;
  }

  /**
   * Reads a blob's head before its upload takes a permit: the whole of one that fits a part, the
   * first part of a larger one, its chunks taking room in {@code memory} only while some is free at
   * once ({@link ChunkedBuffer#readWhileRoom}). A head that holds a whole blob that fits a part is
   * verified, digest and size, and goes with {@link #sendWhole}; any other goes ahead of the rest
   * of the body through {@link #write} ({@link ChunkedBuffer#drainThen}), which verifies the whole.
   * A head never waits for room while it holds some: heads that did waited on each other when
   * together they wanted more than the budget (docs/adr/0036).
   */
  ChunkedBuffer readHead(BlobExpectation expected, InputStream content, ByteBudget memory) {
    long size = expected.sizeBytes();
    long wanted = readsFirst(size) ? size : partSize;
    VerifyingReader reader = new VerifyingReader(content, expected);
    try {
      ChunkedBuffer head =
          ChunkedBuffer.readWhileRoom(reader, (int) Math.min(wanted, Integer.MAX_VALUE), memory);
      if (isWhole(expected, head)) {
        try {
          reader.finish();
        } catch (IOException | RuntimeException e) {
          head.close();
          throw e;
        }
      }
      return head;
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    }
  }

  /** Whether {@code head} holds the whole of a blob that is sent as it was read. */
  boolean isWhole(BlobExpectation expected, ChunkedBuffer head) {
    return readsFirst(expected.sizeBytes()) && head.length() == expected.sizeBytes();
  }

  /** Sends a whole blob that {@link #readHead} read and verified, with one {@code PutObject}. */
  void sendWhole(BlobExpectation expected, ChunkedBuffer buffer) {
    String key = BlobStore.objectKey(expected.sha256());
    try {
      s3.putObject(
          b -> object(b, key, expected.sizeBytes()),
          RequestBody.fromContentProvider(buffer::open, expected.sizeBytes(), OCTET_STREAM));
    } catch (SdkException e) {
      throw StoreFailures.of("storing " + key, e);
    }
  }

  /**
   * Whether a blob of this size streams in one request. One up to the part size is read and
   * verified first instead: it costs at most a part buffer, and the SDK may then retry its send on
   * a transient store failure, which a streamed body, read from the client once, cannot be.
   */
  private boolean streams(long size) {
    return size > partSize && size <= singlePutMax;
  }

  private void putStreamed(String key, VerifyingReader reader, long size) throws IOException {
    HeldBackBody body = new HeldBackBody(reader);
    try {
      s3.putObject(
          b ->
              object(b, key, size)
                  // the body cannot be replayed; the client sends the upload again instead
                  .overrideConfiguration(o -> o.addPlugin(S3BlobWriter::doNotRetry)),
          RequestBody.fromContentProvider(body, size, OCTET_STREAM));
    } catch (SdkException e) {
      rethrowFailureOf(body);
      throw e;
    }
  }

  /** A {@code PutObject} of one blob's bytes. */
  private PutObjectRequest.Builder object(PutObjectRequest.Builder b, String key, long size) {
    return b.bucket(bucket).key(key).contentType(OCTET_STREAM).contentLength(size);
  }

  private static void doNotRetry(SdkServiceClientConfiguration.Builder config) {
    config.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
  }

  /** The send failed because the client's bytes did: that is what the caller must hear of. */
  private static void rethrowFailureOf(HeldBackBody body) throws IOException {
    Exception failure = body.failure();
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
  }

  private void putMultipart(
      String key,
      BlobExpectation expected,
      ChunkedBuffer head,
      InputStream content,
      int part,
      SparePermits spares)
      throws IOException {
    // a head of a whole part is part 1 as it is; a shorter one (the heads' room was short, or the
    // part is larger than the part size) goes ahead of the rest into the first part buffer
    boolean headIsPart = head.length() == part;
    VerifyingReader reader =
        new VerifyingReader(headIsPart ? content : ahead(head, content), expected);
    if (headIsPart) {
      head.countInto(reader);
    }
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    boolean completed = false;
    try {
      PartPipeline pipeline =
          new PartPipeline(
              spares,
              partSenders,
              (number, bytes, length) -> uploadPart(key, uploadId, number, bytes, length),
              partBytes);
      List<CompletedPart> parts = pipeline.sendAll(headIsPart ? head : null, reader, part);
      reader.finish();
      s3.completeMultipartUpload(
          b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
      completed = true;
    } finally {
      if (!completed) {
        abort(key, uploadId);
      }
    }
  }

  private CompletedPart uploadPart(
      String key, String uploadId, int number, ContentStreamProvider bytes, int length) {
    String etag =
        s3.uploadPart(
                b ->
                    b.bucket(bucket)
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(number)
                        .contentLength((long) length),
                RequestBody.fromContentProvider(bytes, length, OCTET_STREAM))
            .eTag();
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  /** Aborts a multipart upload; false (and a warning) when the store did not. */
  boolean abort(String key, String uploadId) {
    try {
      // bounded as a control request: a store that stopped answering must not hold the upload
      s3.abortMultipartUpload(
          b ->
              b.bucket(bucket)
                  .key(key)
                  .uploadId(uploadId)
                  .overrideConfiguration(o -> o.apiCallTimeout(controlTimeout)));
      return true;
    } catch (SdkException e) {
      log.warn("could not abort multipart upload {} of {}; housekeeping will", uploadId, key, e);
      return false;
    }
  }
}
