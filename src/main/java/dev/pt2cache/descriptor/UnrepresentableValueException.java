package dev.pt2cache.descriptor;

/** A value with no canonical form, so no key: a number beyond a double, an unpaired surrogate. */
public class UnrepresentableValueException extends RuntimeException {

  public UnrepresentableValueException(String where, String what) {
    super(
        "%s has no canonical JSON form%s: give a finite number within the range of a double, or text that is valid Unicode"
            .formatted(what, where == null || where.isEmpty() ? "" : " (found in " + where + ")"));
  }
}
