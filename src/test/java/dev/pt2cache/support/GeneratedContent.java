package dev.pt2cache.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
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

  /**
   * {@link #sha256(long, long)} of each seed, worked out in a JVM of its own on both compilers, for
   * contents of hundreds of megabytes. The test JVMs run on the client compiler only (the pom's
   * {@code pt2cache.test.jit}), which has no intrinsic for SHA-256: a GiB took 7.7 s of CPU there
   * and 0.7 s with the optimizing compiler, which uses the CPU's SHA instructions (2-core machine,
   * 2026-12-08). The other JVM answers the same digests, since it runs this class's code.
   */
  public static List<String> sha256sElsewhere(long size, long... seeds) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), GeneratedContent.class.getName()));
    command.add(Long.toString(size));
    Arrays.stream(seeds).mapToObj(Long::toString).forEach(command::add);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String said;
      try (InputStream out = process.getInputStream()) {
        said = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<String> digests = said.lines().toList();
      if (process.waitFor() != 0 || digests.size() != seeds.length) {
        throw new IllegalStateException("the digests' JVM failed: " + said);
      }
      return digests;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Prints {@link #sha256(long, long)} of the size {@code args[0]} for each seed after it. */
  public static void main(String[] args) {
    long size = Long.parseLong(args[0]);
    for (int i = 1; i < args.length; i++) {
      System.out.println(sha256(Long.parseLong(args[i]), size));
    }
  }

  /**
   * Where {@code in} first differs from the content these arguments generate: the offset of the
   * first byte that differs, or the length of the shorter where one ends first; -1 where they are
   * the same bytes. A GiB is compared in about 1.5 s on the client compiler, where its SHA-256
   * takes 7.7 s. The stream is closed.
   */
  public static long firstDifference(InputStream in, long seed, long size) throws IOException {
    byte[] read = new byte[BLOCK];
    byte[] expected = new byte[BLOCK];
    try (in;
        InputStream generated = new GeneratedContent(seed, size)) {
      long position = 0;
      while (true) {
        int n = in.readNBytes(read, 0, BLOCK);
        int m = generated.readNBytes(expected, 0, BLOCK);
        int differs = Arrays.mismatch(read, 0, n, expected, 0, m);
        if (differs >= 0) {
          return position + differs;
        }
        if (n < BLOCK) {
          return -1;
        }
        position += n;
      }
    }
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
