-- A client may send POST .../invalidations with an Idempotency-Key: a resend with the same key is
-- answered the invalidation it recorded, not a second one (ADR 0029). The key is kept with the
-- record, and the SHA-256 of the request it came with, so that the same key with another request
-- is refused. Both nullable, with no default: adding them rewrites no row, and the build before,
-- which does not name them, records invalidations without a key as before. Every serving read
-- reads this table (the rules in force), so the brief exclusive lock waits 5 s at most.
set lock_timeout = '5s';
alter table invalidation add column idempotency_key varchar(200);
alter table invalidation add column request_sha256 varchar(64);
