package dev.pt2cache.artifact;

import dev.pt2cache.blob.BlobContent;
import dev.pt2cache.blob.ByteRange;

/**
 * What a download answers: the artifact, and its open content (null when the client's copy is
 * current), whole or for one range (null range: all of it).
 */
public record Download(Artifact artifact, BlobContent content, ByteRange range) {

  public boolean notModified() {
    return content == null;
  }
}
