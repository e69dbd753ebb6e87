-- GET /v1/housekeeping/runs pages newest first by (started_at, id) (JobRunHistory), and without a
-- job no index served it: each page read and sorted every run (100,000 runs: 50,000 rows read for
-- a page of 100 half-way down, JobRunPagingTest). Retention alone records a run every 30 seconds,
-- kept 7 days. The purge of old runs (started_at < ...) seeks here too. Built concurrently (Flyway
-- runs this migration outside a transaction), so that runs are recorded meanwhile.
create index concurrently if not exists housekeeping_run_by_start on housekeeping_run (started_at, id);
