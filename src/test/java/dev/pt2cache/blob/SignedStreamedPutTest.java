package dev.pt2cache.blob;

import dev.pt2cache.support.DockerWhenContainers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link StreamedPutTest} with {@code sign-payload} on: over plain HTTP the SDK signs a {@code
 * PutObject} of a declared length chunk by chunk as it sends it ({@code aws-chunked}, {@code
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD}, {@link PayloadSigningTest}), reading the body once, so a
 * signed upload streams as an unsigned one does, and a body that is not what was declared still
 * leaves nothing (ADR 0013).
 */
@ExtendWith(DockerWhenContainers.class)
@Tag("integration")
class SignedStreamedPutTest extends StreamedPutTest {

  @Override
  boolean signPayload() {
    return true;
  }
}
