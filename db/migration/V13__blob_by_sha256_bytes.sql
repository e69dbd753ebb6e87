-- reconcile pages through blobs in byte order (sha256 collate "C", so that the store's listing and
-- the table's order agree), which blob_pkey, in the database's collation, cannot serve: each page
-- was a scan of the whole table and a sort (49 ms a page at 500k blobs, 5 ms with this index).
-- Built concurrently (Flyway runs this migration outside a transaction), so that uploads go on.
create index concurrently if not exists blob_by_sha256_bytes on blob ((sha256 collate "C"));
