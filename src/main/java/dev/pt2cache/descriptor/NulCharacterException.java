package dev.pt2cache.descriptor;

/** Text holding U+0000, which PostgreSQL cannot store in text or JSON. */
public class NulCharacterException extends RuntimeException {

  /** Refuses {@code text} (which may be null) when it holds U+0000, naming {@code where}. */
  public static void refuseIn(String text, String where) {
    if (text != null && text.indexOf('\0') >= 0) {
      throw new NulCharacterException(where);
    }
  }

  public NulCharacterException(String where) {
    super(
        "text may not contain the NUL character (U+0000)"
            + (where == null || where.isEmpty()
                ? ""
                : ": found in " + where.replace("\0", "\\u0000")));
  }
}
