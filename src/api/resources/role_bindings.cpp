// Role bindings: /api/ambient/v1/role_bindings, upstream's newest shape. A binding gives
// a role to a user (or, with no user, to whoever the scope's owner grants it to) at a scope:
//
//   scope        needs                      may also carry
//   global       -                          -
//   project      project_id                 -
//   agent        project_id, agent_id       -
//   session      session_id                 -
//   credential   credential_id              project_id, agent_id (with project_id): the
//                                           credential granted to that project or agent
//
//   GET    /role_bindings        list    role_binding:list
//   POST   /role_bindings        create  role_binding:create
//   GET    /role_bindings/{id}   get     role_binding:read
//   PATCH  /role_bindings/{id}   patch   role_binding:update
//   DELETE /role_bindings/{id}   delete  role_binding:delete
#include <algorithm>
#include <array>

#include "api/audit/audit_log.hpp"
#include "api/auth/principal.hpp"
#include "api/authz/grant_rules.hpp"
#include "api/crud.hpp"
#include "api/resources/resources.hpp"

namespace ambient::api {
namespace {

constexpr std::array<const char*, 4> kScopeIds = {"project_id", "agent_id", "session_id", "credential_id"};

bool present(const model::Row& row, const char* column) {
    return !model::text_of(row, column).empty();
}

// Checks the scope and its ids together: the ids a scope needs must be there, and ids it
// cannot use must not be.
void validate_scope(const model::Row& row) {
    const auto& scope = model::text_of(row, "scope");
    std::vector<const char*> required;
    std::vector<const char*> optional;
    if (scope == "global") {
    } else if (scope == "project") {
        required = {"project_id"};
    } else if (scope == "agent") {
        required = {"project_id", "agent_id"};
    } else if (scope == "session") {
        required = {"session_id"};
    } else if (scope == "credential") {
        required = {"credential_id"};
        optional = {"project_id", "agent_id"};
        if (present(row, "agent_id") && !present(row, "project_id")) {
            throw ApiError::validation("a credential binding with agent_id also needs project_id");
        }
    } else {
        throw ApiError::validation("invalid scope: must be one of global, project, agent, session, credential");
    }
    for (const char* column : kScopeIds) {
        const bool needed = std::find_if(required.begin(), required.end(), [&](const char* c) {
                                return std::string_view(c) == column;
                            }) != required.end();
        const bool allowed = needed || std::find_if(optional.begin(), optional.end(), [&](const char* c) {
                                           return std::string_view(c) == column;
                                       }) != optional.end();
        if (needed && !present(row, column)) {
            throw ApiError::validation("scope '" + scope + "' requires " + column);
        }
        if (!allowed && present(row, column)) {
            throw ApiError::validation(std::string(column) + " cannot be used with scope '" + scope + "'");
        }
    }
}

void check_references(store::Connection& conn, const model::Row& row) {
    const auto& role_id = model::text_of(row, "role_id");
    if (conn.exec("SELECT 1 FROM roles WHERE id = ? AND deleted_at IS NULL", {role_id}).rows.empty()) {
        throw ApiError::validation("role '" + role_id.substr(0, 64) + "' does not exist");
    }
    if (present(row, "project_id") && !project_exists(conn, model::text_of(row, "project_id"))) {
        throw ApiError::validation("project '" + model::text_of(row, "project_id").substr(0, 63) + "' does not exist");
    }
    for (auto [column, table] : {std::pair{"session_id", "sessions"}, std::pair{"credential_id", "credentials"}}) {
        const auto& id = model::text_of(row, column);
        if (id.empty()) continue;
        const std::string sql = std::string("SELECT 1 FROM ") + table + " WHERE id = ? AND deleted_at IS NULL";
        if (conn.exec(sql, {id}).rows.empty()) {
            throw ApiError::validation(std::string(column) + " '" + id.substr(0, 64) + "' does not exist");
        }
    }
}

// An empty id means "none": store it as NULL so uniqueness and scope checks agree.
void normalise_ids(model::Row& row) {
    for (const char* column : {"user_id", "project_id", "agent_id", "session_id", "credential_id"}) {
        auto it = row.find(column);
        if (it != row.end() && model::text_of(row, column).empty()) it->second = std::monostate{};
    }
}

void before_create(store::Connection&, model::Row& row) {
    normalise_ids(row);
    validate_scope(row);
}

// Validation waits for authorize_write: a caller who may not make the change is refused
// before a 400 could describe the binding or the objects it names.
void before_update(store::Connection&, const model::Row&, model::Row& changes) {
    normalise_ids(changes);
}

void authorize_write(store::Connection& conn, const http::Request& req, WriteKind kind, const model::Row* current,
                     const model::Row& proposed) {
    const auto& caller = principal_of(req);
    switch (kind) {
        case WriteKind::Create:
            // Authority first, so a missing object and one the caller may not see answer alike.
            authz::check_binding_create(conn, caller, proposed);
            check_references(conn, proposed);
            break;
        case WriteKind::Update:
            // Refusal (403), then validation (400), then the last owner (409) and the grant.
            authz::check_binding_change(conn, caller, *current, proposed);
            validate_scope(proposed);
            check_references(conn, proposed);
            authz::check_binding_update(conn, caller, *current, proposed);
            break;
        case WriteKind::Delete:
            authz::check_binding_delete(conn, caller, *current);
            break;
    }
}

void audit_write(store::Connection& conn, const http::Request& req, WriteKind kind, const model::Row& row) {
    write_audit(conn, audit_record(principal_of(req), "role_binding", model::text_of(row, "id"),
                                   write_action_name(kind), kAuditAllowed));
}

// GET by id: bindings the caller may not see are 404.
http::Handler get_handler(ApiContext& ctx) {
    return [&ctx](http::Request& req) {
        const auto& id = req.param("id");
        const auto row = with_connection(ctx, role_binding_schema(), [&](store::Connection& conn) {
            auto found = repo::find(conn, role_binding_schema(), id);
            if (found) authz::check_binding_visible(conn, principal_of(req), *found);
            return found;
        });
        if (!row) throw not_found(role_binding_schema(), id);
        return json_response(200, model::render(role_binding_schema(), *row));
    };
}

}  // namespace

const model::KindSchema& role_binding_schema() {
    static const model::KindSchema schema{
        "RoleBinding",
        "role_bindings",
        "role_bindings",
        "RoleBindings",
        {
            {.name = "role_id", .required = true, .description = "The bound role's id"},
            {.name = "scope", .required = true, .description = "global, project, agent, session or credential"},
            {.name = "user_id", .description = "The username the role is given to"},
            {.name = "project_id"},
            {.name = "agent_id"},
            {.name = "session_id"},
            {.name = "credential_id"},
        },
    };
    return schema;
}

void register_role_bindings(http::Router& router, ApiContext& ctx) {
    const Crud crud(ctx, role_binding_schema(),
                    {.before_create = before_create,
                     .before_update = before_update,
                     .authorize_write = authorize_write,
                     .after_write = audit_write});
    const std::string base = std::string(model::kApiBasePath) + "/role_bindings";
    router.add({"GET", base, crud.list(), false, "List role bindings", "role_binding:list"});
    router.add({"POST", base, crud.create(), false, "Create a role binding", "role_binding:create"});
    router.add({"GET", base + "/{id}", get_handler(ctx), false, "Get a role binding", "role_binding:read"});
    router.add({"PATCH", base + "/{id}", crud.patch(), false, "Update a role binding", "role_binding:update"});
    router.add({"DELETE", base + "/{id}", crud.remove(), false, "Delete a role binding", "role_binding:delete"});
}

}  // namespace ambient::api
