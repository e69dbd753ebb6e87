package dev.pt2cache.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-random bytes of any length, generated as they are read: large artifacts for
 * tests without holding them in memory or on disk.
 */
public final class GeneratedContent extends InputStream {

  private static final int BLOCK = 64 * 1024;

  private final long seed;
  private final long size;
  private final byte[] block = new byte[BLOCK];
  private long position;
  private int blockOffset = BLOCK;

  public GeneratedContent(long seed, long size) {
    this.seed = seed;
    this.size = size;
  }

  /**
   * A request body of the content these arguments generate, with its length, generated as the
   * client sends it.
   */
  public static BodyPublisher publisher(long seed, long size) {
    return BodyPublishers.fromPublisher(
        BodyPublishers.ofInputStream(() -> new GeneratedContent(seed, size)), size);
  }

  /** The SHA-256 of the content these arguments generate, in lowercase hex. */
  public static String sha256(long seed, long size) {
    return sha256(new GeneratedContent(seed, size));
  }

  /** The SHA-256 of everything the stream holds, in lowercase hex; the stream is closed. */
  public static String sha256(InputStream in) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream digesting = new DigestInputStream(in, digest)) {
        digesting.transferTo(OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) {
    if (position >= size) {
      return -1;
    }
    if (blockOffset == BLOCK) {
      new SplittableRandom(seed + position / BLOCK).nextBytes(block);
      blockOffset = 0;
    }
    int n = (int) Math.min(Math.min(length, BLOCK - blockOffset), size - position);
    System.arraycopy(block, blockOffset, buffer, offset, n);
    blockOffset += n;
    position += n;
    return n;
  }
}
