package dev.pt2cache.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Real Mega-Cache blobs (src/test/resources/fixtures/pt2) and throw-away content. */
public final class Fixtures {

  /** resnet50, default mode: 6,452,063 bytes, more than one 5 MB part. */
  public static final Artifact RESNET50 =
      new Artifact(
          "mega_resnet50_default.bin",
          "5f68975d6dd3556aa50bf983046bb00b34e52b945fc6385982dd106e7f41b319",
          6_452_063);

  /** GPT-2, default mode: 2,835,998 bytes, one part. */
  public static final Artifact GPT2 =
      new Artifact(
          "mega_gpt2_default.bin",
          "0e15a8a0c6d35cf126d223f92d4365f29931f87e5849d6f0ffc778d53c21939e",
          2_835_998);

  private Fixtures() {}

  public record Artifact(String file, String sha256, long size) {

    public byte[] bytes() {
      try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/pt2/" + file)) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  public static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
