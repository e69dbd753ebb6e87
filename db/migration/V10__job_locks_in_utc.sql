-- The job locks (ShedLock, timed by the database's clock) write and compare
-- timezone('utc', current_timestamp): a UTC wall time, without a zone. Stored in timestamptz columns,
-- that wall time was read in each session's time zone, which pgjdbc takes from the instance's JVM.
-- An instance started with TZ=Asia/Tokyo wrote locks that UTC instances saw as expired nine hours
-- ago (a job ran on two instances at once), and one with TZ=America/Chicago released locks that
-- others saw as held for six hours more (the job stopped cluster-wide). Columns without a zone, as
-- ShedLock's own schema has them, hold the UTC wall time as written.
--
-- The rows are converted in the migrating session's zone, the zone they were written in by a fleet
-- whose instances share one: that gives back the wall time ShedLock wrote, for a fleet in UTC and
-- for one in any other zone alike.
alter table shedlock
    alter column lock_until type timestamp using lock_until::timestamp,
    alter column locked_at  type timestamp using locked_at::timestamp;
