// Agents: a project's standing workers. Starting one creates a session whose first message
// is the assembled start prompt (agent_start_prompt.hpp).
//
//   GET    /projects/{id}/agents                            list     (the project's only)
//   POST   /projects/{id}/agents                            create   (project_id from the URL)
//   GET    /projects/{id}/agents/{agent_id}                 get
//   PATCH  /projects/{id}/agents/{agent_id}                 patch
//   DELETE /projects/{id}/agents/{agent_id}                 delete   (its inbox goes with it)
//   POST   /projects/{id}/agents/{agent_id}/start           start    (201 new session, 200 the active one)
//   GET    /projects/{id}/agents/{agent_id}/start           preview  text/plain start prompt, no side effects
//   GET    /projects/{id}/agents/{agent_id}/ignition        preview  JSON {agent_id, starting_prompt}
//   GET    /projects/{id}/agents/{agent_id}/sessions        the agent's sessions (SessionList)
//   GET    /agents                                          list     (every project; RBAC will narrow it)
//   POST   /agents                                          create   (project_id in the body, must exist)
//   GET    /agents/{id}                                     get
//   PATCH  /agents/{id}                                     patch
//   DELETE /agents/{id}                                     delete
//
// Nested routes answer 404 for an unknown project and for an agent of another project.
// Names are unique among a project's live agents (409).
#include "api/resources/agents.hpp"

#include <chrono>
#include <optional>

#include "api/auth/principal.hpp"
#include "api/authz/start_prompt_visibility.hpp"
#include "api/crud.hpp"
#include "api/notify/notifier.hpp"
#include "api/resources/agent_start_prompt.hpp"
#include "api/resources/environment_variables.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/session_message_store.hpp"

namespace ambient::api {
namespace {

using model::FieldType;
using store::TxMode;

constexpr const char* kDefaultModel = "claude-sonnet-4-6";
constexpr double kDefaultTemperature = 0.7;
constexpr std::int64_t kDefaultMaxTokens = 4000;
constexpr const char* kProjectId = "project_id";

// Agent fields a started session inherits (besides project_id and agent_id).
constexpr const char* kInheritedFields[] = {"llm_model",          "llm_temperature",      "llm_max_tokens",
                                            "repo_url",           "workflow_id",          "bot_account_name",
                                            "resource_overrides", "environment_variables"};

// Which agent a request names: nested routes carry the project ({id}) and {agent_id};
// flat routes only the agent ({id}).
struct AgentAddress {
    std::optional<std::string> project;
    std::string agent;
};

AgentAddress nested_address(const http::Request& req) {
    return {req.param("id"), req.param("agent_id")};
}
AgentAddress flat_address(const http::Request& req) {
    return {std::nullopt, req.param(Crud::kIdParam)};
}
using Addressing = AgentAddress (*)(const http::Request&);

bool is_nested(const http::Request& req) {
    return req.route.find("/projects/{id}/agents") != std::string::npos;
}

model::Row require_agent(store::Connection& conn, const AgentAddress& address) {
    if (address.project) return require_agent_in_project(conn, *address.project, address.agent);
    auto row = repo::find(conn, agent_schema(), address.agent);
    if (!row) throw not_found(agent_schema(), address.agent);
    return *row;
}

void validate(const model::Row& row) {
    validate_environment_variables(row);
    if (row.contains("name") && model::text_of(row, "name").empty())
        throw ApiError::validation("name must not be empty");
    if (auto it = row.find("llm_max_tokens"); it != row.end() && std::get<std::int64_t>(it->second) <= 0) {
        throw ApiError::validation("llm_max_tokens must be positive");
    }
}

std::optional<std::string> list_project(const http::Request& req) {
    if (is_nested(req)) return req.param("id");
    return std::nullopt;
}

// Completes a new agent: project (from the URL on nested routes), owner, defaults, parent.
void prepare_new(store::Connection& conn, const http::Request& req, model::Row& row) {
    if (is_nested(req)) {
        const auto& project = req.param("id");
        if (!project_exists(conn, project)) throw not_found(project_schema(), project);
        row[kProjectId] = project;
    } else {
        const auto& project = model::text_of(row, kProjectId);
        if (project.empty()) throw ApiError::validation("project_id is required");
        if (!project_exists(conn, project)) {
            throw ApiError::validation("project '" + project.substr(0, 63) + "' does not exist");
        }
    }
    row["owner_user_id"] = req.principal;
    if (model::text_of(row, "llm_model").empty()) row["llm_model"] = std::string(kDefaultModel);
    if (!row.contains("llm_temperature")) row["llm_temperature"] = kDefaultTemperature;
    if (!row.contains("llm_max_tokens")) row["llm_max_tokens"] = kDefaultMaxTokens;
    if (auto it = row.find("parent_agent_id"); it != row.end()) {
        const auto& parent = model::text_of(row, "parent_agent_id");
        if (parent.empty()) {
            row.erase(it);
        } else {
            const auto found = repo::find(conn, agent_schema(), parent);
            if (!found || model::text_of(*found, kProjectId) != model::text_of(row, kProjectId)) {
                throw ApiError::validation("parent agent '" + parent.substr(0, 64) +
                                           "' is not an agent of this project");
            }
        }
    }
}

// ---- start ---------------------------------------------------------------------------

// The start request's optional body: nothing, {} or {"prompt": "<task for this run>"}.
std::string start_task(const http::Request& req) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        throw ApiError::malformed("Invalid request format: body must be a JSON object");
    }
    const auto it = body.find("prompt");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) throw ApiError::malformed("Invalid request format: prompt must be a string");
    return it->get<std::string>();
}

struct StartContext {
    StartPromptInput prompt;
    std::vector<std::string> unread_ids;  // the inbox messages the prompt shows
};

StartContext gather_start_context(store::Connection& conn, const model::Row& agent, std::string task) {
    const auto& agent_id = model::text_of(agent, model::kIdColumn);
    const auto& project_id = model::text_of(agent, kProjectId);
    StartContext out;
    out.prompt.agent_name = model::text_of(agent, "name");
    out.prompt.project_id = project_id;
    out.prompt.standing_instructions = model::text_of(agent, "prompt");
    out.prompt.task = std::move(task);
    if (const auto project = repo::find(conn, project_schema(), project_id)) {
        out.prompt.workspace_context = model::text_of(*project, "prompt");
    }
    const auto peers = conn.exec(
        "SELECT id, name, description FROM agents WHERE project_id = ? AND id <> ? AND deleted_at IS NULL "
        "ORDER BY name, id",
        {project_id, agent_id});
    for (const auto& cells : peers.rows) {
        out.prompt.peers.push_back({store::text_of(cells[1]), store::text_of(cells[2]), store::text_of(cells[0])});
    }
    const auto unread = conn.exec(
        "SELECT id, from_name, from_agent_id, body FROM inbox_messages "
        "WHERE agent_id = ? AND deleted_at IS NULL AND (read IS NULL OR read = ?) ORDER BY created_at, id",
        {agent_id, false});
    auto text = [](const store::SqlValue& v) { return store::is_null(v) ? std::string() : std::get<std::string>(v); };
    for (const auto& cells : unread.rows) {
        out.unread_ids.push_back(text(cells[0]));
        out.prompt.inbox.push_back({text(cells[1]), text(cells[2]), text(cells[3])});
    }
    return out;
}

// Serialises starts of one agent. On SQLite every write transaction already holds the
// database's write lock; on PostgreSQL the agent's row lock makes a second start wait until
// the first commits, and its next statement then sees the first one's session.
void lock_agent(store::Connection& conn, const std::string& agent_id) {
    if (conn.dialect() != store::Dialect::Postgres) return;
    conn.exec("SELECT id FROM agents WHERE id = ? FOR UPDATE", {agent_id});
}

// The agent's newest session that is still on its way or running.
std::optional<model::Row> active_session(store::Connection& conn, const std::string& agent_id) {
    const auto rs = conn.exec(
        "SELECT id FROM sessions WHERE agent_id = ? AND deleted_at IS NULL AND phase IN (?, ?, ?) "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        {agent_id, std::string("Pending"), std::string("Creating"), std::string("Running")});
    if (rs.rows.empty()) return std::nullopt;
    return repo::find(conn, session_schema(), std::get<std::string>(rs.rows[0][0]));
}

struct StartOutcome {
    model::Row session;
    // The start prompt as far as the caller may read it (the session's first message holds
    // all of it); absent when an active session was returned.
    std::optional<std::string> starting_prompt;
};

StartOutcome start_agent(store::Connection& conn, const AgentAddress& address, std::string task,
                         const Principal& caller) {
    lock_agent(conn, address.agent);
    const auto agent = require_agent(conn, address);
    if (auto active = active_session(conn, address.agent)) return {std::move(*active), std::nullopt};

    auto context = gather_start_context(conn, agent, std::move(task));
    const auto text = assemble_start_prompt(context.prompt);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

    // Created without a prompt so that the start prompt, appended next, is its first message;
    // the agent's standing instructions are then recorded as the session's prompt.
    model::Row session = {{"name", model::text_of(agent, "name") + "-" + std::to_string(seconds)},
                          {kProjectId, model::text_of(agent, kProjectId)},
                          {"agent_id", address.agent}};
    for (const char* field : kInheritedFields) {
        if (auto it = agent.find(field); it != agent.end() && !store::is_null(it->second)) session[field] = it->second;
    }
    const auto created = create_session(conn, std::move(session), caller.username);
    const auto session_id = model::text_of(created, model::kIdColumn);
    if (const auto& standing = model::text_of(agent, "prompt"); !standing.empty()) {
        repo::update(conn, session_schema(), session_id, {{"prompt", standing}});
    }
    append_message(conn, session_id, "user", text);
    for (const auto& id : context.unread_ids)
        repo::update(conn, inbox_message_schema(), id, {{"read", true}});
    repo::update(conn, agent_schema(), address.agent, {{"current_session_id", session_id}});
    auto readable = context.prompt;
    authz::keep_readable_parts(caller, readable);
    return {start_session(conn, session_id), assemble_start_prompt(readable)};
}

http::Handler start_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        auto task = start_task(req);
        const auto address = nested_address(req);
        const auto outcome = in_transaction(ctx, TxMode::Write, agent_schema(), [&](store::Connection& conn) {
            return start_agent(conn, address, std::move(task), principal_of(req));
        });
        model::Json body = model::Json::object();
        body["session"] = model::render(session_schema(), outcome.session);
        if (!outcome.starting_prompt) return json_response(200, body);
        ctx.notifier.notify(Channel::Messages, model::text_of(outcome.session, model::kIdColumn));
        body["starting_prompt"] = *outcome.starting_prompt;
        body["start_prompt"] = *outcome.starting_prompt;  // the name in upstream's newest OpenAPI
        return json_response(201, body);
    };
}

// The start prompt a start would assemble now, as far as the caller may read it; `prompt`
// query = the task for the run.
std::string preview_prompt(ApiContext& ctx, const http::Request& req) {
    const auto address = nested_address(req);
    const std::string task(req.query_param("prompt").value_or(""));
    return in_transaction(ctx, TxMode::Read, agent_schema(), [&](store::Connection& conn) {
        const auto agent = require_agent(conn, address);
        auto prompt = gather_start_context(conn, agent, task).prompt;
        authz::keep_readable_parts(principal_of(req), prompt);
        return assemble_start_prompt(prompt);
    });
}

http::Handler text_preview_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) { return http::Response::text(200, preview_prompt(ctx, req)); };
}

http::Handler ignition_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto text = preview_prompt(ctx, req);
        model::Json body = model::Json::object();
        body["agent_id"] = req.param("agent_id");
        body["starting_prompt"] = text;
        body["start_prompt"] = text;
        return json_response(200, body);
    };
}

// ---- CRUD ------------------------------------------------------------------------------

http::Handler create_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        auto row = create_body(agent_schema(), req);
        validate(row);
        const auto stored = in_transaction(ctx, TxMode::Write, agent_schema(), [&](store::Connection& conn) {
            prepare_new(conn, req, row);
            return repo::insert(conn, agent_schema(), std::move(row));
        });
        return json_response(201, model::render(agent_schema(), stored));
    };
}

http::Handler get_handler(ApiContext& ctx, Addressing addressing) {
    return [&ctx, addressing](http::Request& req) {
        const auto address = addressing(req);
        const auto row = in_transaction(ctx, TxMode::Read, agent_schema(),
                                        [&](store::Connection& conn) { return require_agent(conn, address); });
        return json_response(200, model::render(agent_schema(), row));
    };
}

http::Handler patch_handler(ApiContext& ctx, Addressing addressing) {
    return [&ctx, addressing](http::Request& req) {
        const auto address = addressing(req);
        const auto changes = patch_body(agent_schema(), req);
        validate(changes);
        const auto row = in_transaction(ctx, TxMode::Write, agent_schema(), [&](store::Connection& conn) {
            require_agent(conn, address);
            auto updated = repo::update(conn, agent_schema(), address.agent, changes);
            if (!updated) throw not_found(agent_schema(), address.agent);
            return *updated;
        });
        return json_response(200, model::render(agent_schema(), row));
    };
}

http::Handler delete_handler(ApiContext& ctx, Addressing addressing) {
    return [&ctx, addressing](http::Request& req) {
        const auto address = addressing(req);
        in_transaction(ctx, TxMode::Write, agent_schema(), [&](store::Connection& conn) {
            require_agent(conn, address);
            // The inbox belongs to its agent and goes with it; sessions stay as history.
            const auto inbox =
                conn.exec("SELECT id FROM inbox_messages WHERE agent_id = ? AND deleted_at IS NULL", {address.agent});
            for (const auto& cells : inbox.rows) {
                repo::remove(conn, inbox_message_schema(), std::get<std::string>(cells[0]));
            }
            repo::remove(conn, agent_schema(), address.agent);
        });
        return no_content();
    };
}

// Runs `inner` (the list of a project's agents) after checking that the project exists.
http::Handler in_existing_project(ApiContext& ctx, http::Handler inner) {
    return [&ctx, inner = std::move(inner)](http::Request& req) {
        const auto& project = req.param("id");
        in_transaction(ctx, TxMode::Read, agent_schema(), [&](store::Connection& conn) {
            if (!project_exists(conn, project)) throw not_found(project_schema(), project);
        });
        return inner(req);
    };
}

}  // namespace

model::Row require_agent_in_project(store::Connection& conn, const std::string& project_id,
                                    const std::string& agent_id) {
    if (!project_exists(conn, project_id)) throw not_found(project_schema(), project_id);
    auto row = repo::find(conn, agent_schema(), agent_id);
    if (!row || model::text_of(*row, kProjectId) != project_id) throw not_found(agent_schema(), agent_id);
    return *row;
}

http::Handler agent_scoped_list(ApiContext& ctx, const model::KindSchema& schema, std::string agent_column,
                                std::string default_order) {
    return [&ctx, &schema, agent_column = std::move(agent_column),
            default_order = std::move(default_order)](http::Request& req) {
        const auto& project = req.param("id");
        const auto& agent = req.param("agent_id");
        auto params = list_params(schema, req);
        if (params.query.order_by.empty()) params.query.order_by = default_order;
        params.query.scope = {agent_column + " = ?", {agent}};
        if (schema.field("project_id") != nullptr) {
            params.query.scope.sql += " AND project_id = ?";
            params.query.scope.params.emplace_back(project);
        }
        const auto result = in_transaction(ctx, TxMode::Read, schema, [&](store::Connection& conn) {
            require_agent_in_project(conn, project, agent);
            return repo::list(conn, schema, params.query);
        });
        return json_response(200, render_list(schema, result, params));
    };
}

const model::KindSchema& agent_schema() {
    static const model::KindSchema schema{
        "Agent",
        "agents",
        "agents",
        "Agents",
        {
            {.name = "project_id",
             .patchable = false,
             .description = "The project; from the URL on project routes, required in the body of POST /agents"},
            {.name = "parent_agent_id", .patchable = false, .description = "An agent of the same project"},
            {.name = "owner_user_id", .patchable = false, .settable = false, .description = "The creator; read-only"},
            {.name = "name", .required = true, .description = "Unique among the project's agents"},
            {.name = "display_name"},
            {.name = "description"},
            {.name = "prompt", .description = "Standing instructions, part of every start prompt"},
            {.name = "repo_url"},
            {.name = "workflow_id"},
            {.name = "llm_model", .description = "Default claude-sonnet-4-6"},
            {.name = "llm_temperature", .type = FieldType::Number, .description = "Default 0.7"},
            {.name = "llm_max_tokens", .type = FieldType::Integer, .description = "Default 4000"},
            {.name = "bot_account_name"},
            {.name = "resource_overrides", .description = "JSON text"},
            {.name = "environment_variables", .description = "JSON text"},
            {.name = "current_session_id",
             .patchable = false,
             .settable = false,
             .description = "The session of the latest start; read-only"},
            {.name = "labels", .description = "JSON text"},
            {.name = "annotations", .description = "JSON text"},
        },
    };
    return schema;
}

void register_agents(http::Router& router, ApiContext& ctx) {
    const Crud agents(ctx, agent_schema(), {.list_project = list_project});

    const std::string nested = std::string(model::kApiBasePath) + "/projects/{id}/agents";
    const std::string one = nested + "/{agent_id}";
    router.add(
        {"GET", nested, in_existing_project(ctx, agents.list()), false, "List a project's agents", "agent:list"});
    router.add({"POST", nested, create_handler(ctx), false, "Create an agent in a project", "agent:create"});
    router.add({"GET", one, get_handler(ctx, nested_address), false, "Get a project's agent", "agent:read"});
    router.add({"PATCH", one, patch_handler(ctx, nested_address), false, "Update a project's agent", "agent:update"});
    router.add({"DELETE", one, delete_handler(ctx, nested_address), false, "Delete a project's agent and its inbox",
                "agent:delete"});
    router.add({"POST", one + "/start", start_handler(ctx), false,
                "Start an agent: a new session (201), or its active one (200)", "agent:start"});
    router.add({"GET", one + "/start", text_preview_handler(ctx), false,
                "Preview an agent's start prompt as text (no side effects)", "agent:read"});
    router.add({"GET", one + "/ignition", ignition_handler(ctx), false,
                "Preview an agent's start prompt as JSON (no side effects)", "agent:read"});
    router.add({"GET", one + "/sessions", agent_scoped_list(ctx, session_schema(), "agent_id"), false,
                "List an agent's sessions", "session:list"});

    const std::string flat = std::string(model::kApiBasePath) + "/agents";
    router.add({"GET", flat, agents.list(), false, "List agents of every project", "agent:list"});
    router.add({"POST", flat, create_handler(ctx), false, "Create an agent (project_id in the body)", "agent:create"});
    router.add({"GET", flat + "/{id}", get_handler(ctx, flat_address), false, "Get an agent", "agent:read"});
    router.add({"PATCH", flat + "/{id}", patch_handler(ctx, flat_address), false, "Update an agent", "agent:update"});
    router.add({"DELETE", flat + "/{id}", delete_handler(ctx, flat_address), false, "Delete an agent and its inbox",
                "agent:delete"});
}

}  // namespace ambient::api
