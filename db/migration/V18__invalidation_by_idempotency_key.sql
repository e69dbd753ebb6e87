-- One invalidation per key in a namespace (V17): the index finds a resend's record, and refuses a
-- second record with a key already used. Built concurrently (Flyway runs this migration outside a
-- transaction), so that writes go on; no row holds a key while it is built.
create unique index concurrently if not exists invalidation_by_idempotency_key
    on invalidation (namespace, idempotency_key) where idempotency_key is not null;
