-- Every serving read (lookup, entry GET and HEAD, download) and every upload reads the standing
-- rules in force in its namespace (the view active_blocking_rule, V3). invalidation_active_rules
-- (V2) holds every blocking rule never lifted, so also those whose expires_at has passed, which
-- purge keeps for PT2CACHE_INVALIDATION_HISTORY (365 days): each read filtered them all, row by
-- row. With 50,000 expired rules in a namespace a lookup hit took 9.3 ms instead of 0.5 ms. This
-- index finds the rules without an expiry and those not yet expired apart from the rest.
-- Built concurrently (Flyway runs this migration outside a transaction), so that writes go on.
create index concurrently if not exists invalidation_rules_in_force
    on invalidation (namespace, expires_at) where blocking and lifted_at is null;
