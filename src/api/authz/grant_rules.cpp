#include "api/authz/grant_rules.hpp"

#include <array>

#include "api/authz/access.hpp"
#include "api/authz/binding_store.hpp"
#include "api/authz/credential_grants.hpp"
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

// Whether the binding grants its credential to sessions: credential_grants' rule, with the
// role as stored.
bool is_session_grant(store::Connection& conn, const model::Row& b) {
    if (field(b, "scope") != "credential") return false;
    const auto rs =
        conn.exec("SELECT name, permissions FROM roles WHERE id = ? AND deleted_at IS NULL", {field(b, "role_id")});
    if (rs.rows.empty()) return false;
    const auto permissions = parse_permissions(store::text_of(rs.rows[0][1]));
    return grants_to_sessions({field(b, "scope"), field(b, "credential_id"), field(b, "user_id"),
                               field(b, "project_id"), store::text_of(rs.rows[0][0]), permissions});
}

// The credential owner's exception: credential C granted to project P (or agent A of P), as
// credential:token-reader or credential:viewer, by an owner of C who is owner or editor of P.
// A user named in the binding gets the role on C too, which is below the owner's.
void check_credential_grant(store::Connection& conn, const Access& access, const std::string& role,
                            const model::Row& b) {
    const auto& credential = field(b, "credential_id");
    const auto& project = field(b, "project_id");
    if (project.empty()) forbid("only a platform admin may grant a credential to every session");
    if (!is_grantable_to_sessions(role)) {
        forbid("a credential is granted to a project or agent only as credential:token-reader or credential:viewer");
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

// Revoking a grant is easier than making one (as upstream): the credential's owner, or an
// owner or editor of the project it was granted to, may remove it.
void check_grant_removal(const Access& access, const model::Row& b) {
    const auto credential = Target::credential(field(b, "credential_id"));
    const auto project = Target::project(field(b, "project_id"));
    if (holds_role_at(access, credential, {"credential:owner"})) return;
    if (holds_role_at(access, project, {"project:owner", "project:editor"})) return;
    forbid("a credential grant is removed by the credential's owner or an owner or editor of the project");
}

// role_binding:create, or project:editor: an editor adds viewers and observers to its
// project (the level check keeps it below itself).
bool may_grant_at(const Access& access, const Target& target) {
    return access.allows("role_binding:create", target) || holds_role_at(access, target, {"project:editor"});
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
    if (is_session_grant(conn, b) || (scope == "credential" && !field(b, "project_id").empty())) {
        check_credential_grant(conn, access, role, b);
        return;
    }
    if (is_internal_role(role)) {
        forbid("role '" + role + "' is internal: only a platform admin may grant it");
    }
    const auto target = binding_target(conn, b);
    // An unseen target is refused like one that does not exist: a write, so 403.
    if (!may_grant_at(access, target)) forbid("no binding grants role_binding:create there");
    if (role_level(role) <= access.best_level(target)) forbid("'" + role + "' is not below the caller's own role");
    if (scope == "agent") require_agent_in_project(conn, field(b, "agent_id"), field(b, "project_id"));
}

// The owner role of a scope that must always keep one (its last owner cannot leave), and
// the column naming the object: projects and credentials.
struct OwnedScope {
    const char* scope;
    const char* owner_role;
    const char* id_column;
};
constexpr std::array<OwnedScope, 2> kOwnedScopes = {
    {{"project", "project:owner", "project_id"}, {"credential", "credential:owner", "credential_id"}}};

const OwnedScope* owned_scope_of(const model::Row& b) {
    for (const auto& owned : kOwnedScopes) {
        if (field(b, "scope") == owned.scope) return &owned;
    }
    return nullptr;
}

bool is_last_owner(store::Connection& conn, const model::Row& b) {
    const auto* owned = owned_scope_of(b);
    if (owned == nullptr || role_name(conn, field(b, "role_id")) != owned->owner_role) return false;
    const auto rs = conn.exec(std::string("SELECT COUNT(*) FROM role_bindings b JOIN roles r ON r.id = b.role_id "
                                          "WHERE b.scope = ? AND b.") +
                                  owned->id_column + " = ? AND r.name = ? AND b.deleted_at IS NULL",
                              {std::string(owned->scope), field(b, owned->id_column), std::string(owned->owner_role)});
    const auto* n = std::get_if<std::int64_t>(&rs.rows[0][0]);
    return n != nullptr && *n <= 1;
}

// 409: the last owner binding of a project or credential stays; delete the object instead.
[[noreturn]] void last_owner_conflict(const model::Row& b, const char* verb) {
    const auto* owned = owned_scope_of(b);
    throw ApiError::conflict(std::string("the last owner binding of ") + owned->scope + " '" +
                             field(b, owned->id_column).substr(0, 128) + "' cannot be " + verb);
}

bool own(const Principal& caller, const model::Row& b) {
    return caller.kind == Principal::Kind::User && !caller.username.empty() && field(b, "user_id") == caller.username;
}

// The caller's own bindings, and those where they manage bindings; a credential's grant to a
// project is the project's too (as GET /role_bindings lists it).
bool sees_binding(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    if (is_admin(caller) || own(caller, binding)) return true;
    const Access& access = access_of(caller);
    if (manages_bindings_at(access, binding_target(conn, binding))) return true;
    return is_session_grant(conn, binding) &&
           manages_bindings_at(access, Target::project(field(binding, "project_id")));
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
        "SELECT user_id, scope, project_id, agent_id, session_id, credential_id, role_id FROM role_bindings "
        "WHERE id = ? AND deleted_at IS NULL",
        {id});
    if (rs.rows.empty()) forbid("role binding '" + id.substr(0, 128) + "' does not exist");
    model::Row binding{{"id", id}};
    // role_id too: whether it is a credential's grant to a project decides who sees it.
    const std::array<const char*, 7> columns = {"user_id",    "scope",         "project_id", "agent_id",
                                                "session_id", "credential_id", "role_id"};
    for (std::size_t i = 0; i < columns.size(); ++i)
        binding[columns[i]] = rs.rows[0][i];
    check_binding_written_visible(conn, caller, binding);
}

void check_binding_create(store::Connection& conn, const Principal& caller, const model::Row& binding) {
    check_grant(conn, caller, binding);
}

void check_binding_delete(store::Connection& conn, const Principal& caller, const model::Row& current) {
    const bool session_grant = is_session_grant(conn, current);
    check_binding_written_visible(conn, caller, current);
    if (is_last_owner(conn, current)) last_owner_conflict(current, "removed");
    if (is_admin(caller) || own(caller, current)) return;
    const Access& access = access_of(caller);
    if (session_grant) {
        check_grant_removal(access, current);
        return;
    }
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
                              field(current, "project_id") != field(proposed, "project_id") ||
                              field(current, "credential_id") != field(proposed, "credential_id");
    if (owner_leaves && is_last_owner(conn, current)) last_owner_conflict(current, "changed");
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
