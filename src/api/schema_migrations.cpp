#include "api/schema_migrations.hpp"

#include <nlohmann/json.hpp>

#include "api/builtin_roles.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

// The two dialects differ only in a few type names; the scripts are written once with
// these markers: {ts} a timestamp column, {serial} an auto-increment primary key.
store::Migration both(int id, std::string name, const std::string& script) {
    auto substitute = [&](const std::string& ts, const std::string& serial) {
        std::string out = script;
        for (auto [marker, value] : {std::pair<std::string, std::string>{"{ts}", ts}, {"{serial}", serial}}) {
            for (auto pos = out.find(marker); pos != std::string::npos; pos = out.find(marker, pos + value.size())) {
                out.replace(pos, marker.size(), value);
            }
        }
        return out;
    };
    return {id, std::move(name), substitute("TIMESTAMP", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            substitute("TIMESTAMPTZ", "BIGSERIAL PRIMARY KEY")};
}

// Values here are our own constants, never client input; quoting is still done properly.
std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string seed_builtin_roles() {
    const auto now = now_rfc3339();
    std::string sql;
    for (const auto& role : builtin_roles()) {
        sql +=
            "INSERT INTO roles (id, created_at, updated_at, name, display_name, description, permissions, built_in) "
            "VALUES (" +
            quote(builtin_role_id(role.name)) + ", " + quote(now) + ", " + quote(now) + ", " + quote(role.name) + ", " +
            quote(role.display_name) + ", " + quote(role.description) + ", " +
            quote(nlohmann::json(role.permissions).dump()) + ", TRUE);\n";
    }
    return sql;
}

}  // namespace

const std::vector<store::Migration>& schema_migrations() {
    static const std::vector<store::Migration> migrations = {
        both(1, "events", R"(
CREATE TABLE events (
    id {serial},
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    object TEXT,
    created_at {ts} NOT NULL
);
CREATE INDEX idx_events_source_id ON events (source_id);
)"),
        both(2, "projects", R"(
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    name TEXT NOT NULL,
    description TEXT,
    labels TEXT,
    annotations TEXT,
    status TEXT,
    prompt TEXT
);
CREATE UNIQUE INDEX idx_projects_live_name ON projects (name) WHERE deleted_at IS NULL;
)"),
        both(3, "project_settings", R"(
CREATE TABLE project_settings (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    group_access TEXT,
    repositories TEXT
);
CREATE UNIQUE INDEX idx_project_settings_live_project ON project_settings (project_id) WHERE deleted_at IS NULL;
)"),
        both(4, "users", R"(
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT
);
CREATE UNIQUE INDEX idx_users_live_username ON users (username) WHERE deleted_at IS NULL;
)"),
        both(5, "roles and the built-in roles", R"(
CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    name TEXT NOT NULL,
    display_name TEXT,
    description TEXT,
    permissions TEXT,
    built_in BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX idx_roles_live_name ON roles (name) WHERE deleted_at IS NULL;
)" + seed_builtin_roles()),
        both(6, "role_bindings", R"(
CREATE TABLE role_bindings (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    role_id TEXT NOT NULL REFERENCES roles (id),
    scope TEXT NOT NULL,
    user_id TEXT,
    project_id TEXT,
    agent_id TEXT,
    session_id TEXT,
    credential_id TEXT
);
CREATE UNIQUE INDEX idx_role_bindings_live_unique ON role_bindings (
    role_id, scope, COALESCE(user_id, ''), COALESCE(project_id, ''), COALESCE(agent_id, ''),
    COALESCE(session_id, ''), COALESCE(credential_id, '')) WHERE deleted_at IS NULL;
CREATE INDEX idx_role_bindings_user ON role_bindings (user_id);
CREATE INDEX idx_role_bindings_project ON role_bindings (project_id);
CREATE INDEX idx_role_bindings_credential ON role_bindings (credential_id);
)"),
        both(7, "sessions", R"(
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    name TEXT NOT NULL,
    repo_url TEXT,
    prompt TEXT,
    created_by_user_id TEXT,
    assigned_user_id TEXT,
    workflow_id TEXT,
    repos TEXT,
    timeout BIGINT,
    llm_model TEXT,
    llm_temperature DOUBLE PRECISION,
    llm_max_tokens BIGINT,
    parent_session_id TEXT,
    bot_account_name TEXT,
    resource_overrides TEXT,
    environment_variables TEXT,
    labels TEXT,
    annotations TEXT,
    project_id TEXT NOT NULL,
    agent_id TEXT,
    phase TEXT,
    start_time {ts},
    completion_time {ts},
    sdk_session_id TEXT,
    sdk_restart_count BIGINT,
    conditions TEXT,
    reconciled_repos TEXT,
    reconciled_workflow TEXT,
    kube_cr_name TEXT NOT NULL,
    kube_cr_uid TEXT,
    kube_namespace TEXT,
    runner_url TEXT
);
CREATE INDEX idx_sessions_project ON sessions (project_id);
CREATE INDEX idx_sessions_agent ON sessions (agent_id);
CREATE INDEX idx_sessions_phase ON sessions (phase);
CREATE UNIQUE INDEX idx_sessions_kube_cr_name ON sessions (kube_cr_name);
)"),
        both(8, "session_messages", R"(
CREATE TABLE session_messages (
    seq {serial},
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX idx_session_messages_session_seq ON session_messages (session_id, seq);
)"),
        // token holds enc:v<N>:<base64>, never plaintext (credentials/keyring.hpp).
        both(9, "credentials", R"(
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    name TEXT NOT NULL,
    description TEXT,
    provider TEXT NOT NULL,
    url TEXT,
    email TEXT,
    labels TEXT,
    annotations TEXT,
    project_id TEXT,
    token TEXT
);
CREATE INDEX idx_credentials_project ON credentials (project_id);
)"),
        // Watch streams read one kind's events after an id, scoped to a project.
        both(10, "events: project and per-source order", R"(
ALTER TABLE events ADD COLUMN project_id TEXT;
CREATE INDEX idx_events_source_order ON events (source, id);
)"),
        both(11, "agents", R"(
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    project_id TEXT NOT NULL,
    parent_agent_id TEXT,
    owner_user_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    display_name TEXT,
    description TEXT,
    prompt TEXT,
    repo_url TEXT,
    workflow_id TEXT,
    llm_model TEXT DEFAULT 'claude-sonnet-4-6',
    llm_temperature DOUBLE PRECISION DEFAULT 0.7,
    llm_max_tokens BIGINT DEFAULT 4000,
    bot_account_name TEXT,
    resource_overrides TEXT,
    environment_variables TEXT,
    current_session_id TEXT,
    labels TEXT,
    annotations TEXT
);
CREATE INDEX idx_agents_project ON agents (project_id);
CREATE UNIQUE INDEX idx_agents_live_name ON agents (project_id, name) WHERE deleted_at IS NULL;
)"),
        both(12, "inbox_messages", R"(
CREATE TABLE inbox_messages (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    agent_id TEXT NOT NULL,
    from_agent_id TEXT,
    from_name TEXT,
    body TEXT NOT NULL,
    read BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX idx_inbox_messages_agent ON inbox_messages (agent_id);
)"),
        // Who read which token, and who changed credentials and role bindings. Never a secret.
        both(13, "audit_events", R"(
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts},
    actor TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    session_id TEXT,
    target_kind TEXT NOT NULL,
    target_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX idx_audit_events_created ON audit_events (created_at);
CREATE INDEX idx_audit_events_target ON audit_events (target_kind, target_id);
)"),
        // The keys the server signs runner tokens with; private keys sealed with the
        // credential keyring (the key id as associated data) so every replica shares them.
        both(14, "signing_keys", R"(
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    created_at {ts} NOT NULL,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    retired_at {ts}
);
)"),
        // Each start of a session is a new run; runner tokens are bound to one run.
        both(15, "sessions: run_id", R"(
ALTER TABLE sessions ADD COLUMN run_id TEXT;
)"),
        // Who may see an event is decided in memory from what it is about (watch fan-out),
        // and a deleted object's fields leave the history: routing columns, filled for the
        // events already there, and the objects of deleted rows sealed.
        both(16, "events: routing columns, sealed deleted objects", R"(
ALTER TABLE events ADD COLUMN agent_id TEXT;
ALTER TABLE events ADD COLUMN session_id TEXT;
ALTER TABLE events ADD COLUMN credential_id TEXT;
ALTER TABLE events ADD COLUMN user_id TEXT;
UPDATE events SET project_id = source_id WHERE source = 'Projects';
UPDATE events SET agent_id = (SELECT s.agent_id FROM sessions s WHERE s.id = events.source_id)
    WHERE source = 'Sessions';
UPDATE events SET user_id = (SELECT u.username FROM users u WHERE u.id = events.source_id)
    WHERE source = 'Users';
UPDATE events SET
    user_id = (SELECT b.user_id FROM role_bindings b WHERE b.id = events.source_id),
    agent_id = (SELECT b.agent_id FROM role_bindings b WHERE b.id = events.source_id),
    session_id = (SELECT b.session_id FROM role_bindings b WHERE b.id = events.source_id),
    credential_id = (SELECT b.credential_id FROM role_bindings b WHERE b.id = events.source_id),
    project_id = COALESCE(
        (SELECT b.project_id FROM role_bindings b WHERE b.id = events.source_id),
        (SELECT s.project_id FROM role_bindings b JOIN sessions s ON s.id = b.session_id
            WHERE b.id = events.source_id))
    WHERE source = 'RoleBindings';
UPDATE events SET object = NULL WHERE event_type <> 'Delete' AND (
    (source = 'Projects' AND source_id IN (SELECT id FROM projects WHERE deleted_at IS NOT NULL)) OR
    (source = 'ProjectSettings' AND source_id IN (SELECT id FROM project_settings WHERE deleted_at IS NOT NULL)) OR
    (source = 'Agents' AND source_id IN (SELECT id FROM agents WHERE deleted_at IS NOT NULL)) OR
    (source = 'Sessions' AND source_id IN (SELECT id FROM sessions WHERE deleted_at IS NOT NULL)) OR
    (source = 'Credentials' AND source_id IN (SELECT id FROM credentials WHERE deleted_at IS NOT NULL)) OR
    (source = 'RoleBindings' AND source_id IN (SELECT id FROM role_bindings WHERE deleted_at IS NOT NULL)) OR
    (source = 'Users' AND source_id IN (SELECT id FROM users WHERE deleted_at IS NOT NULL)));
)"),
        // Lists page through rows in their default order (created_at, id). Per project (a
        // project's sessions; the RBAC filter, project_id IN the caller's projects), an index
        // in that order replaces the one on project_id alone: a page needs no sort of the
        // project, and with deleted_at in it COUNT(*) of live rows reads the index alone. It
        // keeps deleted rows, as lookups by project_id (a project's delete) need them. Over
        // all live sessions for callers who see everything. Age-based event retention finds
        // old events by created_at. (Ids 18 on; 17 is another branch's.)
        both(18, "list order and event age indexes", R"(
DROP INDEX idx_sessions_project;
CREATE INDEX idx_sessions_project_order ON sessions (project_id, created_at, id, deleted_at);
CREATE INDEX idx_sessions_live_order ON sessions (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX idx_events_created_at ON events (created_at);
)"),
    };
    return migrations;
}

}  // namespace ambient::api
