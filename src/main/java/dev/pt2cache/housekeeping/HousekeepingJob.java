package dev.pt2cache.housekeeping;

import java.time.Duration;
import java.util.Map;

/**
 * A periodic job. {@link JobRunner} runs each one on one instance at a time, however many instances
 * share the database, and records every run.
 */
public interface HousekeepingJob {

  /** The job's name: its lock, its metrics tag, its records. */
  String name();

  /** The delay between the end of one run and the start of the next. */
  Duration interval();

  /** Does one round of work; answers what it did, for the run's record. */
  Map<String, Object> run();
}
