-- invalidation_rules_in_force (V15) covers (namespace, expires_at) under the same predicate as
-- invalidation_active_rules (V2), which covers (namespace) alone: every query the older index
-- served, the newer serves by its leading column. The older one only cost a write per rule.
-- Dropped concurrently (Flyway runs this migration outside a transaction): an instance of the
-- build before, still reading rules during a rolling upgrade, uses the newer index as it already
-- did.
drop index concurrently if exists invalidation_active_rules;
