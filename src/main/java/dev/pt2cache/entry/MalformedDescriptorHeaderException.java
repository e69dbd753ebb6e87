package dev.pt2cache.entry;

/** An X-Pt2cache-Descriptor that is not a descriptor's JSON: answered like a malformed body. */
public class MalformedDescriptorHeaderException extends RuntimeException {

  MalformedDescriptorHeaderException(String message) {
    super(message);
  }
}
