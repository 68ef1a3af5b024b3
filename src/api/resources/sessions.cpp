// Sessions: /api/ambient/v1/sessions — one agent run with its lifecycle phase.
//
//   GET    /sessions              list    session:list    (scoped by project_id / X-Ambient-Project)
//   POST   /sessions              create  session:create
//   GET    /sessions/{id}         get     session:read
//   PATCH  /sessions/{id}         patch   session:update  (status fields ignored)
//   DELETE /sessions/{id}         delete  session:delete
//   PATCH  /sessions/{id}/status  status  session:update_status  (control plane only; runner_url checked)
//   POST   /sessions/{id}/start   start   session:start   (none/Stopped/Completed/Failed → Pending, else 409)
//   POST   /sessions/{id}/stop    stop    session:stop    (Pending/Creating/Running → Stopping, else 409)
//   POST   /sessions/{id}/clone   clone   session:create  (in the source's project; session:read on the source)
#include "api/resources/sessions.hpp"

#include <algorithm>
#include <array>

#include "api/authz/handler_permission.hpp"
#include "api/crud.hpp"
#include "api/notify/notifier.hpp"
#include "api/resources/environment_variables.hpp"
#include "api/resources/resources.hpp"
#include "api/session_message_store.hpp"
#include "common/http/upstream_origin.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

using model::FieldType;

constexpr std::array<std::string_view, 7> kPhases = {"Pending", "Creating",  "Running", "Stopping",
                                                     "Stopped", "Completed", "Failed"};

constexpr const char* kDefaultModel = "claude-sonnet-4-6";
constexpr double kDefaultTemperature = 0.7;
constexpr std::int64_t kDefaultMaxTokens = 4000;

// A field the control plane writes through /status; create and PATCH ignore it.
model::Field status_field(std::string name, FieldType type = FieldType::String) {
    return {.name = std::move(name),
            .type = type,
            .patchable = false,
            .settable = false,
            .description = "Status: written through PATCH /sessions/{id}/status"};
}

// What PATCH /status accepts: the status fields, patchable.
const model::KindSchema& status_schema() {
    static const model::KindSchema schema = [] {
        model::KindSchema s{"SessionStatus", "sessions", "sessions", "Sessions", {}};
        for (const auto& f : session_schema().fields) {
            if (f.settable || f.name == "created_by_user_id" || f.name == "kube_cr_name") continue;
            auto copy = f;
            copy.patchable = true;
            s.fields.push_back(copy);
        }
        return s;
    }();
    return schema;
}

void validate(const model::Row& row) {
    validate_environment_variables(row);
    if (row.contains("name") && model::text_of(row, "name").empty())
        throw ApiError::validation("name must not be empty");
    if (auto it = row.find("timeout"); it != row.end() && std::get<std::int64_t>(it->second) < 0) {
        throw ApiError::validation("timeout must not be negative");
    }
    if (auto it = row.find("llm_max_tokens"); it != row.end() && std::get<std::int64_t>(it->second) <= 0) {
        throw ApiError::validation("llm_max_tokens must be positive");
    }
}

void check_parent(store::Connection& conn, const model::Row& row) {
    const auto& parent = model::text_of(row, "parent_session_id");
    if (parent.empty()) return;
    if (conn.exec("SELECT 1 FROM sessions WHERE id = ? AND deleted_at IS NULL", {parent}).rows.empty()) {
        throw ApiError::validation("parent session '" + parent.substr(0, 64) + "' does not exist");
    }
}

// The events proxy connects where runner_url points (session_events.cpp): only to a runner's
// origin, http or https, never to a path, a query or a metadata address. Empty clears it.
void validate_runner_url(const std::string& url) {
    if (url.empty()) return;
    try {
        http::parse_upstream_origin(url);
    } catch (const http::OriginError& e) {
        throw ApiError::validation(e.what());
    }
}

std::optional<std::string> list_project(const http::Request& req) {
    return requested_project(req);
}

// A session's run ends with any move out of Pending, Creating and Running — by /stop, by a
// status write or by delete — and only /start begins another: forgetting the run id here
// means no runner token minted for the run is accepted again, whatever phase comes later.
void retire_run_unless_live(store::Connection& conn, const std::string& id) {
    conn.exec(
        "UPDATE sessions SET run_id = NULL WHERE id = ? AND run_id IS NOT NULL AND (phase IS NULL OR phase NOT IN "
        "('Pending', 'Creating', 'Running'))",
        {id});
}

// Moves a live session whose phase is one of `from` ("" = none yet) to `to` in one
// statement, so that of many concurrent callers exactly one wins.
model::Row transition(store::Connection& conn, const std::string& id, const std::vector<std::string>& from,
                      const std::string& to, const char* verb) {
    std::string sql = "UPDATE sessions SET phase = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL AND (";
    std::vector<store::SqlValue> params = {to, now_rfc3339(), id};
    for (std::size_t i = 0; i < from.size(); ++i) {
        if (i > 0) sql += " OR ";
        if (from[i].empty()) {
            sql += "phase IS NULL OR phase = ''";
        } else {
            sql += "phase = ?";
            params.emplace_back(from[i]);
        }
    }
    sql += ")";
    if (conn.exec(sql, params).affected_rows == 0) {
        const auto current = repo::find(conn, session_schema(), id);
        if (!current) throw not_found(session_schema(), id);
        throw ApiError::conflict("cannot " + std::string(verb) + " session in phase \"" +
                                 model::text_of(*current, "phase") + "\"");
    }
    retire_run_unless_live(conn, id);
    auto row = repo::find(conn, session_schema(), id);
    repo::record_event(conn, session_schema(), id, EventType::Updated, &*row);
    return *row;
}

std::string base32hex_lower(const std::array<std::uint8_t, 20>& bytes) {
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
    std::string out;
    std::uint64_t buffer = 0;
    int bits = 0;
    for (auto b : bytes) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out += kDigits[(buffer >> bits) & 31];
        }
    }
    return out;  // 160 bits = 32 digits exactly
}

http::Handler create_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        auto row = create_body(session_schema(), req);
        validate(row);
        if (model::text_of(row, "project_id").empty()) {
            if (auto project = requested_project(req)) row["project_id"] = *project;
        }
        const auto stored = in_transaction(ctx, store::TxMode::Write, session_schema(), [&](store::Connection& conn) {
            return create_session(conn, std::move(row), req.principal);
        });
        ctx.notifier.notify(Channel::Messages, model::text_of(stored, model::kIdColumn));
        return json_response(201, model::render(session_schema(), stored));
    };
}

// POST /sessions/{id}/clone's optional body: nothing, {} or {"name": "<the clone's name>"};
// an empty result means the default name.
std::string clone_name(const http::Request& req) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        throw ApiError::malformed("Invalid request format: body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "name")
            throw ApiError::malformed("Invalid request format: unknown field '" + key.substr(0, 64) + "'");
    }
    const auto name = body.find("name");
    if (name == body.end() || name->is_null()) return {};
    if (!name->is_string()) throw ApiError::malformed("Invalid request format: name must be a string");
    if (name->get<std::string>().empty()) throw ApiError::validation("name must not be empty");
    return name->get<std::string>();
}

// The route let the caller through with session:create on the source session, which an
// agent- or session-scoped binding may grant; a clone is a create in the source's project
// and carries the source's settings, so it needs what POST /sessions needs there and what
// reading the source needs.
void require_clone_permissions(store::Connection& conn, const Principal& caller, const model::Row& source) {
    const auto& project = model::text_of(source, "project_id");
    authz::require_permission(
        conn, caller, "session:read",
        authz::Target::session(model::text_of(source, model::kIdColumn), project, model::text_of(source, "agent_id")));
    authz::require_permission(conn, caller, "session:create", authz::Target::project(project));
}

http::Handler clone_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        auto name = clone_name(req);
        const auto stored = in_transaction(ctx, store::TxMode::Write, session_schema(), [&](store::Connection& conn) {
            const auto source = repo::find(conn, session_schema(), id);
            if (!source) throw not_found(session_schema(), id);
            require_clone_permissions(conn, principal_of(req), *source);
            return clone_session(conn, *source, std::move(name), req.principal);
        });
        return json_response(201, model::render(session_schema(), stored));
    };
}

http::Handler status_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto changes = patch_body(status_schema(), req);
        if (changes.empty()) {
            std::string names;
            for (const auto& f : status_schema().fields)
                names += (names.empty() ? "" : ", ") + f.name;
            throw ApiError::validation("status patch body must set at least one field: " + names);
        }
        if (changes.contains("phase")) {
            const auto& phase = model::text_of(changes, "phase");
            if (std::find(kPhases.begin(), kPhases.end(), phase) == kPhases.end()) {
                throw ApiError::validation(
                    "phase must be one of Pending, Creating, Running, Stopping, Stopped, "
                    "Completed, Failed");
            }
        }
        if (changes.contains("runner_url")) validate_runner_url(model::text_of(changes, "runner_url"));
        const auto row = in_transaction(ctx, store::TxMode::Write, session_schema(), [&](store::Connection& conn) {
            auto updated = repo::update(conn, session_schema(), id, changes);
            if (!updated) throw not_found(session_schema(), id);
            retire_run_unless_live(conn, id);
            return *updated;
        });
        return json_response(200, model::render(session_schema(), row));
    };
}

http::Handler lifecycle_handler(ApiContext& ctx, model::Row (*operation)(store::Connection&, const std::string&)) {
    return [&ctx, operation](http::Request& req) {
        const auto& id = req.param("id");
        const auto row = in_transaction(ctx, store::TxMode::Write, session_schema(),
                                        [&](store::Connection& conn) { return operation(conn, id); });
        return json_response(200, model::render(session_schema(), row));
    };
}

}  // namespace

const model::KindSchema& session_schema() {
    static const model::KindSchema schema{
        "Session",
        "sessions",
        "sessions",
        "Sessions",
        {
            {.name = "name", .required = true},
            {.name = "repo_url"},
            {.name = "prompt", .description = "Stored also as the session's first user message"},
            {.name = "created_by_user_id",
             .patchable = false,
             .settable = false,
             .description = "The caller; read-only"},
            {.name = "assigned_user_id"},
            {.name = "workflow_id"},
            {.name = "repos", .description = "JSON text"},
            {.name = "timeout", .type = FieldType::Integer, .description = "Seconds"},
            {.name = "llm_model", .description = "Default claude-sonnet-4-6"},
            {.name = "llm_temperature", .type = FieldType::Number, .description = "Default 0.7"},
            {.name = "llm_max_tokens", .type = FieldType::Integer, .description = "Default 4000"},
            {.name = "parent_session_id"},
            {.name = "bot_account_name"},
            {.name = "resource_overrides", .description = "JSON text"},
            {.name = "environment_variables", .description = "JSON text"},
            {.name = "labels", .description = "JSON text"},
            {.name = "annotations", .description = "JSON text"},
            {.name = "project_id",
             .patchable = false,
             .description = "From the body, else project_id query or X-Ambient-Project; must exist"},
            {.name = "agent_id", .patchable = false},
            status_field("phase"),
            status_field("start_time", FieldType::Timestamp),
            status_field("completion_time", FieldType::Timestamp),
            status_field("sdk_session_id"),
            status_field("sdk_restart_count", FieldType::Integer),
            status_field("conditions"),
            status_field("reconciled_repos"),
            status_field("reconciled_workflow"),
            {.name = "kube_cr_name",
             .patchable = false,
             .settable = false,
             .description = "Lower-case, DNS-safe name derived from the id"},
            status_field("kube_cr_uid"),
            status_field("kube_namespace"),
            status_field("runner_url"),
        },
    };
    return schema;
}

std::string kube_cr_name_for(const std::string& session_id) {
    const auto bytes = decode_ksuid(session_id);
    if (!bytes) throw ApiError::internal("session id is not a KSUID: " + session_id);
    return "session-" + base32hex_lower(*bytes);
}

model::Row create_session(store::Connection& conn, model::Row row, const std::string& principal) {
    const auto& project = model::text_of(row, "project_id");
    if (project.empty()) {
        throw ApiError::validation("project_id is required (in the body, the project_id query or X-Ambient-Project)");
    }
    if (!project_exists(conn, project))
        throw ApiError::validation("project '" + project.substr(0, 63) + "' does not exist");
    check_parent(conn, row);
    // A session of an agent is in that agent's project: access to it follows the project.
    if (const auto& agent = model::text_of(row, "agent_id"); !agent.empty()) {
        if (conn.exec("SELECT 1 FROM agents WHERE id = ? AND project_id = ? AND deleted_at IS NULL", {agent, project})
                .rows.empty()) {
            throw ApiError::validation("agent '" + agent.substr(0, 64) + "' is not an agent of project '" +
                                       project.substr(0, 63) + "'");
        }
    }
    if (model::text_of(row, "llm_model").empty()) row["llm_model"] = std::string(kDefaultModel);
    if (!row.contains("llm_temperature")) row["llm_temperature"] = kDefaultTemperature;
    if (!row.contains("llm_max_tokens")) row["llm_max_tokens"] = kDefaultMaxTokens;
    row["created_by_user_id"] = principal;
    const auto id = new_ksuid();
    row[model::kIdColumn] = id;
    row["kube_cr_name"] = kube_cr_name_for(id);
    auto stored = repo::insert(conn, session_schema(), std::move(row));
    if (const auto& prompt = model::text_of(stored, "prompt"); !prompt.empty()) {
        append_message(conn, id, "user", prompt);
    }
    return stored;
}

model::Row clone_session(store::Connection& conn, const model::Row& source, std::string name,
                         const std::string& principal) {
    // Upstream's clone: the source's configuration, named "<name>-clone", its parent the
    // source; not its prompt, which create would store as the first message of a session
    // that is meant to start with none.
    model::Row row;
    for (const auto& field : session_schema().fields) {
        if (!field.settable || field.name == "name" || field.name == "prompt" || field.name == "parent_session_id")
            continue;
        // NULLs stay absent, as in a create body that leaves the field out (defaults apply).
        if (auto it = source.find(field.name); it != source.end() && !store::is_null(it->second)) row.insert(*it);
    }
    const auto& source_id = model::text_of(source, model::kIdColumn);
    row["name"] = name.empty() ? model::text_of(source, "name") + "-clone" : std::move(name);
    row["parent_session_id"] = source_id;
    validate(row);
    // The source's agent may have been deleted since; create would call that a bad request,
    // but the request is fine: the source's state is what conflicts.
    if (const auto& agent = model::text_of(row, "agent_id");
        !agent.empty() && conn.exec("SELECT 1 FROM agents WHERE id = ? AND deleted_at IS NULL", {agent}).rows.empty()) {
        throw ApiError::conflict("the session's agent '" + agent.substr(0, 64) + "' no longer exists");
    }
    return create_session(conn, std::move(row), principal);
}

model::Row start_session(store::Connection& conn, const std::string& id) {
    auto row = transition(conn, id, {"", "Stopped", "Completed", "Failed"}, "Pending", "start");
    // Each run gets its own id: runner tokens name it, so an earlier run's tokens stay dead.
    conn.exec("UPDATE sessions SET run_id = ? WHERE id = ?", {new_ksuid(), id});
    return row;
}

model::Row stop_session(store::Connection& conn, const std::string& id) {
    return transition(conn, id, {"Pending", "Creating", "Running"}, "Stopping", "stop");
}

void register_sessions(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, session_schema(),
                    {.before_update = [](store::Connection& conn, const model::Row&,
                                         model::Row& changes) { check_parent(conn, changes); },
                     .before_delete =
                         [](store::Connection& conn, const model::Row& current) {
                             conn.exec("UPDATE sessions SET run_id = NULL WHERE id = ?",
                                       {model::text_of(current, model::kIdColumn)});
                         },
                     .validate = validate,
                     .list_project = list_project});
    const std::string base = std::string(model::kApiBasePath) + "/sessions";
    router.add({"GET", base, crud.list(), false, "List sessions", "session:list"});
    router.add({"POST", base, create_handler(ctx), false, "Create a session", "session:create"});
    router.add({"GET", base + "/{id}", crud.get(), false, "Get a session", "session:read", http::Runs::OnIoThread,
                crud.get_on_io_thread()});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a session (status fields are ignored)",
                "session:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a session", "session:delete"});
    router.add({"PATCH", base + "/{id}/status", status_handler(ctx), false, "Write a session's status",
                "session:update_status"});
    router.add({"POST", base + "/{id}/start", lifecycle_handler(ctx, &start_session), false, "Start a session",
                "session:start"});
    router.add(
        {"POST", base + "/{id}/stop", lifecycle_handler(ctx, &stop_session), false, "Stop a session", "session:stop"});
    router.add({"POST", base + "/{id}/clone", clone_handler(ctx), false,
                "Clone a session: a new session with its settings, no messages", "session:create"});
}

}  // namespace ambient::api
