package dev.pt2cache.problem;

import dev.pt2cache.system.SqlCauses;
import java.util.Optional;
import java.util.Set;

/**
 * The database's refusals of a value a caller gave, found in a failure's causes: the safety net
 * behind the checks made before anything is written (a NUL in text, a time out of range), so that a
 * value the service did not foresee is a 400, not a 500. Only refusals that values the service
 * makes itself never cause count (text holding U+0000, a time thousands of years away); other data
 * exceptions, such as text longer than its column, stay the service's own errors.
 */
final class UnstorableValues {

  private static final Set<String> STATES =
      Set.of(
          "22008", // datetime_field_overflow (a time far out of range)
          "22021", // character_not_in_repertoire (a NUL in text)
          "22P05"); // untranslatable_character (a NUL escaped in JSON)

  private UnstorableValues() {}

  /** The database's own words, when a cause of {@code failure} is such a refusal. */
  static Optional<String> describe(Throwable failure) {
    return SqlCauses.first(failure, STATES)
        .map(
            sql -> {
              String message = String.valueOf(sql.getMessage());
              int line = message.indexOf('\n');
              return (line < 0 ? message : message.substring(0, line)).replace("\0", "");
            });
  }
}
