package dev.pt2cache.system;

import java.sql.SQLException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.springframework.stereotype.Component;

/**
 * Resets {@code lock_timeout} on Flyway's connection after each migration (docs/adr/0026): a
 * migration that sets it for its exclusive lock (V17) sets it on the session, so that it would also
 * cancel the next migration's concurrent index build (V18) after 5 s of waiting for an older
 * transaction, leaving the index invalid, and stay on the pooled connection Flyway gives back,
 * where any request's wait for a lock past 5 s fails.
 */
@Component
class MigrationSessionReset implements Callback {

  @Override
  public boolean supports(Event event, Context context) {
    return event == Event.AFTER_EACH_MIGRATE;
  }

  @Override
  public boolean canHandleInTransaction(Event event, Context context) {
    return true;
  }

  @Override
  public void handle(Event event, Context context) {
    try (var statement = context.getConnection().createStatement()) {
      statement.execute("reset lock_timeout");
    } catch (SQLException e) {
      throw new IllegalStateException("could not reset lock_timeout after a migration", e);
    }
  }

  @Override
  public String getCallbackName() {
    return "reset lock_timeout";
  }
}
