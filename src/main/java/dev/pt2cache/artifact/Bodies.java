package dev.pt2cache.artifact;

import java.io.IOException;
import java.io.InputStream;
import org.springframework.core.io.InputStreamResource;

/** Request bodies of bytes, as the upload operations receive them. */
public final class Bodies {

  private Bodies() {}

  /**
   * The body's stream. Spring MVC hands an empty body over as none at all (the contract does not
   * require one): that is the content of an artifact of 0 bytes.
   */
  public static InputStream of(InputStreamResource body) throws IOException {
    return body == null ? InputStream.nullInputStream() : body.getInputStream();
  }
}
