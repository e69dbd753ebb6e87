-- The identity of this deployment's store: one row, whose marker the bucket keeps too (the object
-- pt2cache/deployment). An instance whose bucket holds another marker, or none once one was
-- written, refuses to start: it would take every object it cannot see for lost content, and every
-- object it has no row for for an orphan (docs/adr/0021).
create table deployment (
    id             smallint    primary key default 1 check (id = 1),
    store_marker   uuid        not null,
    marker_written boolean     not null default false,
    created_at     timestamptz not null default now()
);
