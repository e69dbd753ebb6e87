package dev.pt2cache.problem;

import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/**
 * The database's refusals of a value a caller gave, found in a failure's causes: the safety net
 * behind the checks made before anything is written (a NUL in text, a time out of range), so that a
 * value the service did not foresee is a 400, not a 500. The statement failed, so its transaction
 * changed nothing. Only SQL states that mean "this value cannot be stored" count; other data
 * exceptions (a division by zero, say) stay the service's own errors.
 */
final class UnstorableValues {

  private static final Set<String> STATES =
      Set.of(
          "22001", // string_data_right_truncation
          "22003", // numeric_value_out_of_range
          "22007", // invalid_datetime_format
          "22008", // datetime_field_overflow
          "22021", // character_not_in_repertoire (a NUL in text)
          "22P05"); // untranslatable_character (a NUL escaped in JSON)

  private UnstorableValues() {}

  /** The database's own words, when a cause of {@code failure} is such a refusal. */
  static Optional<String> describe(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && STATES.contains(sql.getSQLState())) {
        String message = String.valueOf(sql.getMessage());
        int line = message.indexOf('\n');
        return Optional.of((line < 0 ? message : message.substring(0, line)).replace("\0", ""));
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
