package dev.pt2cache.housekeeping;

/**
 * The keys of a job's outcome that say how the run ended. They are stored in each run's record
 * ({@code housekeeping_run.outcome}, read by SQL as {@code outcome ->> 'error'} and {@code outcome
 * ->> 'halted'}) and shown in the API's job runs: their values must not change.
 */
final class JobOutcome {

  /** The run failed: the exception's message. */
  static final String ERROR = "error";

  /** The run found too much to change and changed nothing: why. */
  static final String HALTED = "halted";

  private JobOutcome() {}
}
