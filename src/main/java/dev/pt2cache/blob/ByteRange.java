package dev.pt2cache.blob;

/** An inclusive byte range {@code [first, last]} of a blob. */
public record ByteRange(long first, long last) {

  public ByteRange {
    if (first < 0 || last < first) {
      throw new IllegalArgumentException("bad range " + first + "-" + last);
    }
  }

  public long length() {
    return last - first + 1;
  }
}
