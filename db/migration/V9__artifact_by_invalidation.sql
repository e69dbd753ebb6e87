-- purge deletes old invalidation records that no artifact points to (PT2CACHE_INVALIDATION_HISTORY):
-- each deletion asks whether an artifact references it, through this index rather than a scan of
-- every artifact. Built concurrently (Flyway runs this migration outside a transaction), so that
-- uploads go on while a large table is indexed.
create index concurrently if not exists artifact_by_invalidation
    on artifact (invalidation_id) where invalidation_id is not null;
