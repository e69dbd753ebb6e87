-- Who declared each artifact (docs/adr/0049, amended): the name and id of the token whose request
-- reserved the artifact's row (POST .../artifacts, or an entry PUT, which declares and sends at
-- once), written in the INSERT the upload makes anyway. The id is null for the operator's token
-- (env:PT2CACHE_ADMIN_TOKEN, not stored) and for anonymous (PT2CACHE_AUTH=none); the name is null
-- on rows written before this migration, which nobody knows. Nullable columns without a default
-- rewrite no table: a moment's lock, no more.
alter table artifact
    add column uploaded_by    varchar(100),
    add column uploaded_by_id uuid;
