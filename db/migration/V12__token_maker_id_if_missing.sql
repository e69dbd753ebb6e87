-- V11 once added made_by alone (its made_by_id came in a later edit of it). A database migrated by
-- that first text, then repaired (flyway repair) to accept the current one, lacks the column that
-- every token read selects. Adds it where it is missing; nothing anywhere else.
alter table api_token add column if not exists made_by_id uuid;
