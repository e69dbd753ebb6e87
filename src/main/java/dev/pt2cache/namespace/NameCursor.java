package dev.pt2cache.namespace;

import dev.pt2cache.system.InvalidCursorException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The cursor of the namespace listing: the last name of a page, opaque to clients (base64url). A
 * cursor that decodes to no namespace name was not issued by this service.
 */
final class NameCursor {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private NameCursor() {}

  static String encode(String name) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(name.getBytes(StandardCharsets.US_ASCII));
  }

  static String decode(String cursor) {
    try {
      String name = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      if (NAME.matcher(name).matches()) {
        return name;
      }
    } catch (IllegalArgumentException notBase64) {
      // refused below, as any other cursor this service did not issue
    }
    throw new InvalidCursorException(cursor);
  }
}
