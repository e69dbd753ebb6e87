-- Storage that takes care of itself: eviction, retention, purge, garbage collection, reconciliation.

-- Artifacts can be evicted (quota, idle retention) as well as invalidated; both are retired and
-- purged after a grace period.
alter table artifact drop constraint artifact_state_check;
alter table artifact add constraint artifact_state_check
    check (state in ('PENDING', 'READY', 'INVALIDATED', 'EVICTED'));
alter table artifact add column evicted_at timestamptz;
alter table artifact add column eviction_reason varchar(16) check (eviction_reason in ('QUOTA', 'IDLE'));

-- Least recently used first: the order quota eviction and idle retention go by.
create index artifact_ready_by_recency on artifact (namespace, (coalesce(last_hit_at, ready_at)))
    where state = 'READY';
create index artifact_retired on artifact ((coalesce(invalidated_at, evicted_at)))
    where state in ('INVALIDATED', 'EVICTED');
create index artifact_pending_expiry on artifact (upload_expires_at) where state = 'PENDING';

-- Lookups answered, per namespace, for the hit ratio operators see (flushed in batches).
alter table namespace add column lookup_hits bigint not null default 0;
alter table namespace add column lookup_misses bigint not null default 0;

-- Every eviction: what, why, when.
create table eviction (
    id           bigint generated always as identity primary key,
    namespace    varchar(63)  not null references namespace (name),
    artifact_id  uuid         not null,
    kind         varchar(32)  not null,
    cache_key    varchar(256) not null,
    sha256       varchar(64)  not null,
    size_bytes   bigint       not null,
    reason       varchar(16)  not null check (reason in ('QUOTA', 'IDLE')),
    last_used_at timestamptz,
    evicted_at   timestamptz  not null default now()
);

create index eviction_by_namespace on eviction (namespace, evicted_at desc);

-- Standing invalidation rules: an invalidation that keeps blocking matching uploads.
alter table invalidation add column blocking boolean not null default false;
alter table invalidation add column expires_at timestamptz;
alter table invalidation add column lifted_at timestamptz;

create index invalidation_active_rules on invalidation (namespace)
    where blocking and lifted_at is null;

-- Housekeeping runs, for operators and for proving that each job runs once at a time.
create table housekeeping_run (
    id          bigint generated always as identity primary key,
    job         varchar(64)  not null,
    instance    varchar(128) not null,
    started_at  timestamptz  not null,
    finished_at timestamptz,
    outcome     jsonb
);

create index housekeeping_run_by_job on housekeeping_run (job, started_at desc);

-- ShedLock: one instance at a time runs each scheduled job.
create table shedlock (
    name       varchar(64)  primary key,
    lock_until timestamptz  not null,
    locked_at  timestamptz  not null,
    locked_by  varchar(255) not null
);
