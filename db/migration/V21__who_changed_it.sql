-- Who made each privileged change, kept beside the change (docs/adr/0049): the name and id of the
-- caller's token, as the token check established it. The id is null for the operator's token
-- (env:PT2CACHE_ADMIN_TOKEN, which is not stored) and for callers without one (anonymous, with
-- PT2CACHE_AUTH=none); the name is null on rows written before this migration, which nobody knows.
-- Adding nullable columns without a default rewrites no table: it takes a moment's lock, no more.

-- invalidations: who made one (an API call; a report that reached the namespace's threshold; the
-- service itself, as service:content-loss, where content was lost), and who lifted its rule
alter table invalidation
    add column made_by      varchar(100),
    add column made_by_id   uuid,
    add column lifted_by    varchar(100),
    add column lifted_by_id uuid;

-- tokens: who revoked one (who made one is made_by, V11)
alter table api_token
    add column revoked_by    varchar(100),
    add column revoked_by_id uuid;

-- namespaces: who last created or set its settings (at updated_at)
alter table namespace
    add column updated_by    varchar(100),
    add column updated_by_id uuid;

-- housekeeping runs: who asked for one through the API; null for scheduled runs
alter table housekeeping_run
    add column started_by    varchar(100),
    add column started_by_id uuid;
