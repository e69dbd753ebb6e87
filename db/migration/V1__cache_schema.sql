-- Namespaces: tenants or model families; the unit of quotas, retention and access.
create table namespace (
    name          varchar(63) primary key,
    quota_bytes   bigint check (quota_bytes >= 0),
    max_idle_days integer check (max_idle_days between 1 and 3650),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

insert into namespace (name) values ('default');

-- Content-addressed blobs. A row exists only once the object at blobs/sha256/<2>/<digest> has
-- been stored and its SHA-256 and size verified by the service (bytes first, metadata second).
create table blob (
    sha256             varchar(64) primary key,
    size_bytes         bigint      not null check (size_bytes >= 0),
    created_at         timestamptz not null default now(),
    last_referenced_at timestamptz not null default now()
);

-- Invalidations: the audit trail of what was retired, by which selector and why.
create table invalidation (
    id                uuid primary key,
    namespace         varchar(63)   not null references namespace (name),
    selector          jsonb         not null,
    reason            varchar(1000) not null,
    invalidated_count bigint        not null default 0,
    created_at        timestamptz   not null default now()
);

create index invalidation_by_namespace on invalidation (namespace, created_at desc);

-- Artifacts: (namespace, kind, key) -> blob, with the descriptor's fields as indexed columns.
create table artifact (
    id                uuid primary key,
    namespace         varchar(63)  not null references namespace (name),
    kind              varchar(32)  not null,
    cache_key         varchar(256) not null,
    state             varchar(16)  not null check (state in ('PENDING', 'READY', 'INVALIDATED')),
    sha256            varchar(64)     not null,
    size_bytes        bigint       not null check (size_bytes >= 0),
    descriptor        jsonb,
    model_name        varchar(200),
    model_version     varchar(200),
    model_fingerprint varchar(200),
    torch_version     varchar(100),
    triton_version    varchar(100),
    cuda_version      varchar(100),
    rocm_version      varchar(100),
    python_version    varchar(100),
    gpu_name          varchar(200),
    gpu_capability    varchar(20),
    hardware_tags     jsonb,
    compile_backend   varchar(100),
    compile_mode      varchar(100),
    compile_dynamic   boolean,
    compile_options   jsonb,
    created_at        timestamptz  not null,
    upload_expires_at timestamptz,
    ready_at          timestamptz,
    last_hit_at       timestamptz,
    hit_count         bigint       not null default 0,
    invalidated_at    timestamptz,
    invalidation_id   uuid references invalidation (id),
    constraint ready_has_ready_at check (state <> 'READY' or ready_at is not null)
);

-- Invariant 4: exactly one READY artifact per (namespace, kind, key).
create unique index artifact_one_ready_per_key on artifact (namespace, kind, cache_key) where state = 'READY';
create index artifact_by_key on artifact (namespace, kind, cache_key);
create index artifact_by_created on artifact (namespace, created_at desc, id desc);
create index artifact_by_model on artifact (namespace, model_name, model_version);
create index artifact_by_torch on artifact (namespace, torch_version);
create index artifact_by_gpu on artifact (namespace, gpu_name);
create index artifact_by_sha256 on artifact (sha256);
create index artifact_by_hardware_tags on artifact using gin (hardware_tags jsonb_path_ops);
