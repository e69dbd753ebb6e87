package dev.pt2cache.descriptor;

/** Text holding U+0000, which PostgreSQL cannot store in text or JSON. */
public class NulCharacterException extends RuntimeException {

  public NulCharacterException(String where) {
    super(
        "text may not contain the NUL character (U+0000)"
            + (where == null || where.isEmpty()
                ? ""
                : ": found in " + where.replace("\0", "\\u0000")));
  }
}
