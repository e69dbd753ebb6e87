-- Bearer tokens for serving nodes and operators (docs/adr/0015). Only the SHA-256 of a token is
-- kept: the secret is shown once, when it is made. A revoked token stays for the record.
create table api_token (
    id           uuid primary key,
    name         varchar(100) not null,
    token_sha256 char(64) not null unique,
    namespace    varchar(63) references namespace (name),
    role         varchar(8) not null check (role in ('read', 'write', 'admin')),
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);

-- names are how operators tell tokens apart; a revoked token's name may be used again
create unique index api_token_live_name on api_token (name) where revoked_at is null;
