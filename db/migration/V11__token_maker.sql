-- Who made a token: the id and name of the caller's token (no id for the operator's,
-- env:PT2CACHE_ADMIN_TOKEN), so that tokens a leaked admin token made can be found and revoked too,
-- also when its name was given to a new token since. Unknown (null) for tokens made before.
alter table api_token
    add column made_by varchar(100),
    add column made_by_id uuid;
