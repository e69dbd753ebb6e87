-- GET /v1/tokens pages newest first by (created_at, id) (TokenRepository.page), which no index
-- served: each page was a scan of the whole table and a sort (100,000 tokens: 125-230 ms of
-- PostgreSQL a page of 1,000, 1.3-6 ms with this index; 0.11-0.20 s an answer, 0.01-0.03 s with
-- it). Built concurrently (Flyway runs this migration outside a transaction), so that tokens can
-- be made and revoked meanwhile.
create index concurrently if not exists api_token_by_creation on api_token (created_at, id);
