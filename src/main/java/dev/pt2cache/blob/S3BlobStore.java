package dev.pt2cache.blob;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link BlobStore} on any S3-compatible server. Content is verified while it streams: a blob that
 * fits one part is checked before it is sent; a larger one goes up as a multipart upload that is
 * completed only when digest and size match, and aborted otherwise, so a wrong upload never becomes
 * visible under a content address.
 */
public class S3BlobStore implements BlobStore {

  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
  private static final String OCTET_STREAM = "application/octet-stream";
  private static final int MAX_PARTS = 10_000;

  private final S3Client s3;
  private final String bucket;
  private final long partSize;

  S3BlobStore(S3Client s3, StorageProperties properties) {
    this.s3 = s3;
    this.bucket = properties.bucket();
    this.partSize = properties.partSize().toBytes();
  }

  @Override
  public void put(BlobExpectation expected, InputStream content) {
    String key = BlobStore.objectKey(expected.sha256());
    VerifyingReader reader = new VerifyingReader(content, expected);
    long part = partSizeFor(expected.sizeBytes());
    try {
      if (expected.sizeBytes() <= part) {
        putSingle(key, reader, (int) expected.sizeBytes());
      } else {
        putMultipart(key, reader, (int) part);
      }
    } catch (IOException e) {
      throw new UploadInterruptedException(e);
    } catch (SdkException e) {
      throw new StorageUnavailableException("storing " + key + " failed", e);
    }
  }

  private void putSingle(String key, VerifyingReader reader, int size) throws IOException {
    byte[] buffer = new byte[size];
    reader.readChunk(buffer);
    reader.finish();
    s3.putObject(
        b -> b.bucket(bucket).key(key).contentType(OCTET_STREAM).contentLength((long) size),
        RequestBody.fromContentProvider(
            () -> new ByteArrayInputStream(buffer), size, OCTET_STREAM));
  }

  private void putMultipart(String key, VerifyingReader reader, int part) throws IOException {
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    boolean completed = false;
    try {
      byte[] buffer = new byte[part];
      List<CompletedPart> parts = new ArrayList<>();
      while (reader.remaining() > 0) {
        int length = reader.readChunk(buffer);
        int number = parts.size() + 1;
        String etag =
            s3.uploadPart(
                    b ->
                        b.bucket(bucket)
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .contentLength((long) length),
                    RequestBody.fromContentProvider(
                        () -> new ByteArrayInputStream(buffer, 0, length), length, OCTET_STREAM))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      }
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

  private void abort(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      log.warn("could not abort multipart upload {} of {}; housekeeping will", uploadId, key, e);
    }
  }

  long partSizeFor(long size) {
    long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
    return Math.max(partSize, needed);
  }

  @Override
  public Optional<BlobContent> get(String sha256, ByteRange range) {
    try {
      ResponseInputStream<GetObjectResponse> stream =
          s3.getObject(
              b -> {
                b.bucket(bucket).key(BlobStore.objectKey(sha256));
                if (range != null) {
                  b.range("bytes=" + range.first() + "-" + range.last());
                }
              });
      long length = stream.response().contentLength();
      return Optional.of(new BlobContent(new AbortingStream(stream, length), length));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw new StorageUnavailableException("reading blob " + sha256 + " failed", e);
    }
  }

  @Override
  public boolean exists(String sha256) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(BlobStore.objectKey(sha256)));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw new StorageUnavailableException("checking blob " + sha256 + " failed", e);
    } catch (SdkException e) {
      throw new StorageUnavailableException("checking blob " + sha256 + " failed", e);
    }
  }

  @Override
  public void delete(String sha256) {
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(BlobStore.objectKey(sha256)));
    } catch (SdkException e) {
      throw new StorageUnavailableException("deleting blob " + sha256 + " failed", e);
    }
  }

  @Override
  public void checkAvailable() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (SdkException e) {
      throw new StorageUnavailableException("bucket " + bucket + " is not reachable", e);
    }
  }

  void createBucketIfMissing() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (NoSuchBucketException e) {
      log.info("creating bucket {}", bucket);
      s3.createBucket(b -> b.bucket(bucket));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
      log.info("creating bucket {}", bucket);
      s3.createBucket(b -> b.bucket(bucket));
    }
  }

  /**
   * Aborts the HTTP exchange when closed before the end, instead of draining what is left (a client
   * that stops reading a 10 GB download must not make the service read the rest).
   */
  private static final class AbortingStream extends FilterInputStream {

    private final ResponseInputStream<GetObjectResponse> response;
    private long left;

    AbortingStream(ResponseInputStream<GetObjectResponse> response, long length) {
      super(response);
      this.response = response;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      if (left > 0) {
        response.abort();
      }
      super.close();
    }
  }
}
