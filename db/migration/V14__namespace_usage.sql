-- What the usage gauges show per namespace (ready artifacts, their bytes, those reported), computed
-- from the artifact table by one instance for the whole fleet about once per interval; every
-- instance reads its gauges from here. The aggregate reads every ready artifact (793 ms at 10^6
-- rows), which every instance ran every 30 s before.
create table namespace_usage (
    namespace          varchar(63) primary key references namespace (name) on delete cascade,
    artifacts          bigint      not null,
    stored_bytes       bigint      not null,
    reported_artifacts bigint      not null,
    computed_at        timestamptz not null
);
