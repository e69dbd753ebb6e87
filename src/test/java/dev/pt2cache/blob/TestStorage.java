package dev.pt2cache.blob;

import dev.pt2cache.support.TestInfra;
import java.net.URI;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/** The storage settings of the test run's real S3 server, for tests of the blob store itself. */
final class TestStorage {

  static final DataSize PART_SIZE = DataSize.ofMegabytes(5);
  static final int MAX_CONCURRENT_PUTS = 2;

  private TestStorage() {}

  static StorageProperties properties(boolean signPayload, String secret, DataSize singlePutMax) {
    Map<String, String> env = TestInfra.serviceEnvironment();
    return new StorageProperties(
        URI.create(env.get("PT2CACHE_S3_ENDPOINT")),
        "us-east-1",
        bucket(),
        env.get("PT2CACHE_S3_ACCESS_KEY"),
        secret == null ? env.get("PT2CACHE_S3_SECRET_KEY") : secret,
        true,
        true,
        PART_SIZE,
        8,
        MAX_CONCURRENT_PUTS,
        singlePutMax,
        signPayload);
  }

  static String bucket() {
    return TestInfra.serviceEnvironment().get("PT2CACHE_S3_BUCKET");
  }
}
