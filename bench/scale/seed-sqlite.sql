-- The scale dataset, written straight into the tables of a database the server has
-- migrated (bench/scale/run). Parameters, set with `.parameter set` before this runs:
-- :projects, :sessions, :messages, :bindings. The shape (same in seed-postgres.sql):
--   projects    scale-0000 …, one created a second from 2026-01-01
--   sessions    round-robin over the projects, so each holds sessions/projects of them,
--               ids '1' and 26 digits (a valid KSUID), phases cycling
--   messages    round-robin over the sessions, so a session's messages are spread over the
--               table as concurrent conversations leave them; the first of each is "user"
--   bindings    scale-user holds project:viewer on :bindings projects spread over all, and
--               each project has an owner of its own (owner-N), so that the user's
--               bindings are a few among many
-- One transaction; the server is idle meanwhile (WAL lets it keep reading).
PRAGMA busy_timeout = 60000;
BEGIN IMMEDIATE;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :projects)
INSERT INTO projects (id, created_at, updated_at, name, description)
SELECT printf('scale-%04d', i), ts, ts, printf('scale-%04d', i), 'scale benchmark project'
FROM (SELECT i, strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-01-01', printf('+%d seconds', i)) AS ts FROM n);

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :sessions)
INSERT INTO sessions (id, created_at, updated_at, name, prompt, created_by_user_id, project_id, phase, kube_cr_name)
SELECT printf('1%026d', i), ts, ts, printf('session-%06d', i), 'scale benchmark prompt', 'scale-seed',
       printf('scale-%04d', i % :projects),
       CASE i % 4 WHEN 0 THEN 'Completed' WHEN 1 THEN 'Running' WHEN 2 THEN 'Stopped' ELSE 'Failed' END,
       printf('session-1%026d', i)
FROM (SELECT i, strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-02-01', printf('+%d seconds', i)) AS ts FROM n);

WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < :messages)
INSERT INTO session_messages (id, session_id, event_type, payload, created_at)
SELECT printf('2%026d', j), printf('1%026d', j % :sessions), CASE WHEN j < :sessions THEN 'user' ELSE 'assistant' END,
       printf('{"text":"message %d of a scale benchmark conversation, about as long as a short agent turn"}', j),
       strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2026-03-01', printf('+%d seconds', j))
FROM n;

WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < :bindings)
INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id)
SELECT printf('3%026d', k), '2026-04-01T00:00:00.000000Z', '2026-04-01T00:00:00.000000Z', r.id, 'project', 'scale-user',
       printf('scale-%04d', k * (:projects / :bindings))
FROM n, roles r WHERE r.name = 'project:viewer' AND r.deleted_at IS NULL;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :projects)
INSERT INTO role_bindings (id, created_at, updated_at, role_id, scope, user_id, project_id)
SELECT printf('4%026d', i), '2026-04-01T00:00:00.000000Z', '2026-04-01T00:00:00.000000Z', r.id, 'project',
       printf('owner-%d', i), printf('scale-%04d', i)
FROM n, roles r WHERE r.name = 'project:owner' AND r.deleted_at IS NULL;

COMMIT;
