package dev.pt2cache.artifact;

/** A key sent along with a descriptor is not the key derived from that descriptor. */
public class KeyMismatchException extends RuntimeException {

  public KeyMismatchException(String sent, String derived) {
    super("key " + sent + " is not the key derived from the descriptor, " + derived);
  }
}
