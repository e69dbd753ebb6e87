package dev.pt2cache.system;

import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Says, in one line, that a failure is a statement PostgreSQL did not answer within the answer wait
 * ({@link AnswerWait}): pgjdbc's socket read timed out, the driver closed the connection, and
 * PostgreSQL rolls the transaction back as its session ends. That line is what the service logs,
 * answers and records for such a failure, with where the statement was sent (a request's path, the
 * hit flush, a housekeeping job), once per window as every dependency's failure (docs/adr/0027,
 * 0039).
 */
public final class UnansweredStatement {

  private UnansweredStatement() {}

  /**
   * The line for {@code failure} when a read timeout lies among its causes: "PostgreSQL did not
   * answer {@code place} within {@code bound} (An I/O error occurred while sending to the backend.
   * Read timed out) ...". Empty for any other failure, a read timeout of the object store's client
   * among them (a housekeeping round lists and deletes objects too).
   */
  public static Optional<String> describe(Throwable failure, String place, String bound) {
    String sent = null;
    boolean fromTheDriver = false;
    for (Throwable t : Causes.chain(failure)) {
      // only a read of the driver's: the store's client times out with the same exception
      fromTheDriver |= t instanceof SQLException;
      if (t instanceof SocketTimeoutException timeout && fromTheDriver) {
        String io = sent == null ? "" : sent + " ";
        return Optional.of(
            "PostgreSQL did not answer "
                + place
                + " within "
                + bound
                + " ("
                + io
                + timeout.getMessage()
                + "); the connection was closed and PostgreSQL rolls its transaction back");
      }
      if (t.getCause() instanceof SocketTimeoutException) {
        sent = t.getMessage(); // pgjdbc's own words for the read that failed
      }
    }
    return Optional.empty();
  }
}
