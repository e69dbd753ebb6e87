-- Reports from serving nodes that an artifact failed them (docs/adr/0017): one row per artifact
-- and reporter (the caller's token name, and the node it names), so a node that fails on every
-- start counts once. Purging an artifact takes its reports with it.
create table artifact_report (
    artifact_id uuid          not null references artifact (id) on delete cascade,
    reporter    varchar(301)  not null,
    problem     varchar(32)   not null check (problem in ('load-failed', 'wrong-output', 'other')),
    detail      varchar(1000),
    reported_at timestamptz   not null default now(),
    primary key (artifact_id, reporter)
);

-- How many distinct reporters, kept beside the artifact so that reading or listing one costs no
-- join; written in the same transaction as the report, under the artifact's row lock.
alter table artifact add column report_count integer not null default 0;

create index artifact_reported on artifact (namespace, created_at desc, id desc) where report_count > 0;

-- Opt-in per namespace: retire an artifact once this many distinct reporters said it failed.
alter table namespace
    add column invalidate_after_reports integer check (invalidate_after_reports between 1 and 1000);
