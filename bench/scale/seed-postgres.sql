-- The scale dataset for PostgreSQL: the same rows as seed-sqlite.sql (read its header),
-- with psql variables :projects, :sessions, :messages, :bindings (psql -v).
\set ON_ERROR_STOP on
BEGIN;

INSERT INTO projects (id, created_at, updated_at, name, description)
SELECT format('scale-%s', lpad(i::text, 4, '0')), ts, ts, format('scale-%s', lpad(i::text, 4, '0')),
       'scale benchmark project'
FROM generate_series(0, :projects - 1) AS i,
     LATERAL (SELECT timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS ts) t;

INSERT INTO sessions (id, created_at, updated_at, name, prompt, created_by_user_id, project_id, phase, kube_cr_name)
SELECT '1' || lpad(i::text, 26, '0'), ts, ts, format('session-%s', lpad(i::text, 6, '0')), 'scale benchmark prompt',
       'scale-seed', format('scale-%s', lpad((i % :projects)::text, 4, '0')),
       (ARRAY['Completed', 'Running', 'Stopped', 'Failed'])[i % 4 + 1], 'session-1' || lpad(i::text, 26, '0')
FROM generate_series(0, :sessions - 1) AS i,
     LATERAL (SELECT timestamptz '2026-02-01 00:00:00+00' + i * interval '1 second' AS ts) t;

INSERT INTO session_messages (id, session_id, event_type, payload, created_at)
SELECT '2' || lpad(j::text, 26, '0'), '1' || lpad((j % :sessions)::text, 26, '0'),
       CASE WHEN j < :sessions THEN 'user' ELSE 'assistant' END,
       format('{"text":"message %s of a scale benchmark conversation, about as long as a short agent turn"}', j),
       timestamptz '2026-03-01 00:00:00+00' + j * interval '1 second'
FROM generate_series(0, :messages - 1) AS j
ORDER BY j;

INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id)
SELECT '3' || lpad(k::text, 26, '0'), timestamptz '2026-04-01 00:00:00+00', timestamptz '2026-04-01 00:00:00+00', r.id,
       'project', 'scale-user', format('scale-%s', lpad((k * (:projects / :bindings))::text, 4, '0'))
FROM generate_series(0, :bindings - 1) AS k, roles r
WHERE r.name = 'project:viewer' AND r.deleted_at IS NULL;

INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id)
SELECT '4' || lpad(i::text, 26, '0'), timestamptz '2026-04-01 00:00:00+00', timestamptz '2026-04-01 00:00:00+00', r.id,
       'project', format('owner-%s', i), format('scale-%s', lpad(i::text, 4, '0'))
FROM generate_series(0, :projects - 1) AS i, roles r
WHERE r.name = 'project:owner' AND r.deleted_at IS NULL;

COMMIT;
-- As autovacuum would soon after such a load: statistics, and the visibility map that lets
-- COUNT(*) read an index alone.
VACUUM ANALYZE;
