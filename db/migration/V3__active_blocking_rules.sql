-- The standing rules in force, defined once: every serving read (a lookup, an entry GET or HEAD,
-- a download) reads them in the same statement as the artifact it would serve, so a rule created
-- or lifted on any instance holds on the very next read, at the cost of no extra round trip.
create view active_blocking_rule as
select id, namespace, selector, reason, expires_at, created_at
  from invalidation
 where blocking
   and lifted_at is null
   and (expires_at is null or expires_at > now());
