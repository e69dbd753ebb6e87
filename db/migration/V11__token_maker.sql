-- Who made a token: the name of the caller's token (the operator's is env:PT2CACHE_ADMIN_TOKEN), so
-- that tokens a compromised admin token made can be found and revoked too. Unknown (null) for
-- tokens made before this column.
alter table api_token add column made_by varchar(100);
