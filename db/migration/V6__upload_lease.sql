-- When a reservation was made, by the database's clock: the lease of an upload in flight
-- (docs/adr/0019) is measured against the database's now(), never an instance's clock. Rows that
-- exist already get the time of this migration.
alter table artifact add column reserved_at timestamptz not null default now();
