package dev.pt2cache.artifact;

/** The requested range lies outside the content. */
public class RangeNotSatisfiableException extends RuntimeException {

  private final long size;

  public RangeNotSatisfiableException(String range, long size) {
    super("range '" + range + "' is not satisfiable for " + size + " bytes");
    this.size = size;
  }

  public long size() {
    return size;
  }
}
