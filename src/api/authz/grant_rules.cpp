#include "api/authz/grant_rules.hpp"

#include <array>

#include "api/authz/access.hpp"
#include "api/authz/refusal.hpp"
#include "common/api_error.hpp"

namespace ambient::api::authz {
namespace {

const std::string& field(const model::Row& row, const char* name) {
    return model::text_of(row, name);
}

std::string role_name(store::Connection& conn, const std::string& role_id) {
    const auto rs = conn.exec("SELECT name FROM roles WHERE id = ? AND deleted_at IS NULL", {role_id});
    if (rs.rows.empty()) throw ApiError::validation("role '" + role_id.substr(0, 64) + "' does not exist");
    return store::text_of(rs.rows[0][0]);
}

// The object a binding is about, for the caller's authority over it.
Target binding_target(store::Connection& conn, const model::Row& b) {
    const auto& scope = field(b, "scope");
    if (scope == "project") return Target::project(field(b, "project_id"));
    if (scope == "agent") return Target::agent(field(b, "agent_id"), field(b, "project_id"));
    if (scope == "credential") return Target::credential(field(b, "credential_id"));
    if (scope == "session") {
        const auto& id = field(b, "session_id");
        const auto rs = conn.exec("SELECT project_id, agent_id FROM sessions WHERE id = ?", {id});
        if (rs.rows.empty()) return Target::session(id, "", "");
        return Target::session(id, store::text_of(rs.rows[0][0]), store::text_of(rs.rows[0][1]));
    }
    return Target::global();
}

const Access& access_of(const Principal& caller) {
    static const Access none{std::vector<Binding>{}};
    return caller.access ? *caller.access : none;
}

bool is_admin(const Principal& caller) {
    return caller.kind == Principal::Kind::Service || access_of(caller).is_platform_admin();
}

bool manages_bindings_at(const Access& access, const Target& target) {
    for (const char* p : {"role_binding:read", "role_binding:list", "role_binding:create", "role_binding:delete",
                          "role_binding:update"}) {
        if (access.allows(p, target)) return true;
    }
    return false;
}

bool holds_role_at(const Access& access, const Target& target, std::initializer_list<std::string_view> roles) {
    for (const auto& b : access.bindings()) {
        if (!Access::covers(b, target)) continue;
        for (auto r : roles) {
            if (b.role_name == r) return true;
        }
    }
    return false;
}

void require_agent_in_project(store::Connection& conn, const std::string& agent_id, const std::string& project_id) {
    if (agent_id.empty()) return;
    const auto rs = conn.exec("SELECT 1 FROM agents WHERE id = ? AND project_id = ? AND deleted_at IS NULL",
                              {agent_id, project_id});
    if (rs.rows.empty()) {
        throw ApiError::validation("agent '" + agent_id.substr(0, 64) + "' is not an agent of project '" +
                                   project_id.substr(0, 63) + "'");
    }
}

// The credential owner's exception: credential:token-reader on credential C for project P
// (or agent A of P), granted by an owner of C who is owner or editor of P.
void check_credential_grant(store::Connection& conn, const Access& access, const model::Row& b) {
    const auto& credential = field(b, "credential_id");
    const auto& project = field(b, "project_id");
    if (!field(b, "user_id").empty()) {
        throw ApiError::validation("a credential grant to a project or agent names no user_id");
    }
    if (!access.sees(Target::credential(credential))) forbid("credential '" + credential.substr(0, 128) + "' unseen");
    if (!holds_role_at(access, Target::credential(credential), {"credential:owner"})) {
        forbid("only an owner of the credential may grant it");
    }
    if (!access.sees(Target::project(project))) forbid("project '" + project.substr(0, 128) + "' unseen");
    if (!holds_role_at(access, Target::project(project), {"project:owner", "project:editor"})) {
        forbid("granting a credential to a project needs project:owner or project:editor");
    }
    require_agent_in_project(conn, field(b, "agent_id"), project);
}

void check_grant(store::Connection& conn, const Principal& caller, const model::Row& b) {
    const auto role = role_name(conn, field(b, "role_id"));
    const auto& scope = field(b, "scope");
    if (is_admin(caller)) {
        if (scope == "agent" || scope == "credential") {
            require_agent_in_project(conn, field(b, "agent_id"), field(b, "project_id"));
        }
        return;
    }
    const Access& access = access_of(caller);
    if (scope == "global") forbid("only a platform admin may create global bindings");
    if (scope == "credential" && !field(b, "project_id").empty()) {
        if (role != "credential:token-reader") {
            forbid("a credential is granted to a project or agent only as credential:token-reader");
        }
        check_credential_grant(conn, access, b);
        return;
    }
    if (is_internal_role(role)) {
        forbid("role '" + role + "' is internal: only a platform admin may grant it");
    }
    const auto target = binding_target(conn, b);
    // An unseen target is refused like one that does not exist: a write, so 403.
    if (!access.allows("role_binding:create", target)) forbid("no binding grants role_binding:create there");
    if (role_level(role) <= access.best_level(target)) forbid("'" + role + "' is not below the caller's own role");
    if (scope == "agent") require_agent_in_project(conn, field(b, "agent_id"), field(b, "project_id"));
}

bool is_last_owner(store::Connection& conn, const model::Row& b) {
    if (field(b, "scope") != "project") return false;
    if (role_name(conn, field(b, "role_id")) != "project:owner") return false;
    const auto rs = conn.exec(
        "SELECT COUNT(*) FROM role_bindings b JOIN roles r ON r.id = b.role_id "
        "WHERE b.scope = 'project' AND b.project_id = ? AND r.name = 'project:owner' AND b.deleted_at IS NULL",
        {field(b, "project_id")});
    const auto* n = std::get_if<std::int64_t>(&rs.rows[0][0]);
    return n != nullptr && *n <= 1;
}

bool own(const Principal& caller, const model::Row& b) {
    return caller.kind == Principal::Kind::User && !caller.username.empty() && field(b, "user_id") == caller.username;
}

// The caller's own bindings, and those where they manage bindings.
bool sees_binding(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    if (is_admin(caller) || own(caller, binding)) return true;
    return manages_bindings_at(access_of(caller), binding_target(conn, binding));
}

// A write to a binding the caller cannot see is refused as one to a binding that does not
// exist (403), so it tells nothing of other people's bindings.
void check_binding_written_visible(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    if (!sees_binding(conn, caller, binding))
        forbid("role binding '" + field(binding, "id").substr(0, 128) + "' unseen");
}

}  // namespace

void check_binding_visible(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    if (sees_binding(conn, caller, binding)) return;
    throw ApiError::not_found("RoleBinding with id='" + field(binding, "id").substr(0, 128) + "' not found");
}

void check_binding_writable(store::Connection& conn, const Principal& caller, const std::string& id) {
    if (is_admin(caller)) return;
    const auto rs = conn.exec(
        "SELECT user_id, scope, project_id, agent_id, session_id, credential_id FROM role_bindings "
        "WHERE id = ? AND deleted_at IS NULL",
        {id});
    if (rs.rows.empty()) forbid("role binding '" + id.substr(0, 128) + "' does not exist");
    model::Row binding{{"id", id}};
    const std::array<const char*, 6> columns = {"user_id",  "scope",      "project_id",
                                                "agent_id", "session_id", "credential_id"};
    for (std::size_t i = 0; i < columns.size(); ++i)
        binding[columns[i]] = rs.rows[0][i];
    check_binding_written_visible(conn, caller, binding);
}

void check_binding_create(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    check_grant(conn, caller, binding);
}

void check_binding_delete(store::Connection& conn, const Principal& caller, const model::Row& current) {
    check_binding_written_visible(conn, caller, current);
    if (is_last_owner(conn, current)) {
        throw ApiError::conflict("the last owner binding of project '" + field(current, "project_id") +
                                 "' cannot be removed");
    }
    if (is_admin(caller) || own(caller, current)) return;
    const Access& access = access_of(caller);
    const auto target = binding_target(conn, current);
    if (!access.allows("role_binding:delete", target)) forbid("no binding grants role_binding:delete there");
    const auto role = role_name(conn, field(current, "role_id"));
    if (role_level(role) <= access.best_level(target)) forbid("'" + role + "' is not below the caller's own role");
}

void check_binding_change(store::Connection& conn, const Principal& caller, const model::Row& current,
                          const model::Row& proposed) {
    check_binding_written_visible(conn, caller, current);
    if (is_admin(caller)) return;
    for (const char* column : {"user_id", "scope", "project_id", "agent_id", "session_id", "credential_id"}) {
        if (field(current, column) != field(proposed, column)) {
            forbid(std::string("a binding's ") + column + " cannot be changed");
        }
    }
}

void check_binding_update(store::Connection& conn, const Principal& caller, const model::Row& current,
                          const model::Row& proposed) {
    const bool role_changes = field(current, "role_id") != field(proposed, "role_id");
    const bool owner_leaves = role_changes || field(current, "scope") != field(proposed, "scope") ||
                              field(current, "project_id") != field(proposed, "project_id");
    if (owner_leaves && is_last_owner(conn, current)) {
        throw ApiError::conflict("the last owner binding of project '" + field(current, "project_id") +
                                 "' cannot be changed");
    }
    if (is_admin(caller)) {
        check_grant(conn, caller, proposed);
        return;
    }
    if (!role_changes) return;
    // Changing the role is removing the old binding and granting the new one.
    if (!own(caller, current)) check_binding_delete(conn, caller, current);
    check_grant(conn, caller, proposed);
}

}  // namespace ambient::api::authz
