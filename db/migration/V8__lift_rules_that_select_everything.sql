-- Before stop 16 a selector of null members alone ({"tags": {"x": null}}, or {"artifactIds":
-- [null]}) passed the empty-selector check and was stored as a rule that names nothing, which
-- blocks every upload and hides every artifact of its namespace. The API refuses both now; a rule
-- made that way before is lifted here, its record kept.
update invalidation
   set lifted_at = now()
 where blocking
   and lifted_at is null
   and (selector - 'artifactIds') = '{}'::jsonb
   and not jsonb_path_exists(selector, '$.artifactIds[*] ? (@ != null)');
