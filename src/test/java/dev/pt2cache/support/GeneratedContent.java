package dev.pt2cache.support;

import java.io.InputStream;
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
