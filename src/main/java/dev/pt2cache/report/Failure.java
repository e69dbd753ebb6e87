package dev.pt2cache.report;

import java.util.Arrays;

/** What went wrong on the node that reports an artifact. */
public enum Failure {
  /** PyTorch refused or failed to load it. */
  LOAD_FAILED("load-failed"),
  /** The compiled model's output differed from the eager model's. */
  WRONG_OUTPUT("wrong-output"),
  OTHER("other");

  private final String wireName;

  Failure(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Failure fromWire(String wireName) {
    return Arrays.stream(values())
        .filter(f -> f.wireName.equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown failure " + wireName));
  }
}
