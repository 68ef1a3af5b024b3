#pragma once
// What a caller may do: the role bindings of a user, evaluated against a target. Pure
// data and decisions, no storage, so the rules are unit-tested directly.
//
// A binding covers a target when its scope contains it:
//   global      everything
//   project P   project P, and the agents and sessions of P
//   agent A     agent A and the sessions of A
//   session S   session S (and its messages)
//   credential C  credential C
// It allows an action on the target when it covers it and its role holds a permission
// covering the action (permission_covers: wildcards) — never a service-only one
// (is_service_only), which users do not get even as platform admins.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ambient::api::authz {

struct Binding {
    std::string id;
    std::string role_name;
    std::vector<std::string> permissions;
    std::string scope;  // global, project, agent, session, credential
    std::string project_id;
    std::string agent_id;
    std::string session_id;
    std::string credential_id;

    bool grants(std::string_view permission) const;
};

struct Target {
    enum class Kind { Global, Project, Agent, Session, Credential };
    Kind kind = Kind::Global;
    std::string id;          // the object's own id (empty for Global)
    std::string project_id;  // agents and sessions: their project; projects: their id
    std::string agent_id;    // sessions: their agent, when they have one

    static Target global() { return {}; }
    static Target project(std::string id) {
        Target t{Kind::Project, id, id, {}};
        return t;
    }
    static Target agent(std::string id, std::string project_id) { return {Kind::Agent, id, std::move(project_id), id}; }
    static Target session(std::string id, std::string project_id, std::string agent_id) {
        return {Kind::Session, std::move(id), std::move(project_id), std::move(agent_id)};
    }
    static Target credential(std::string id) { return {Kind::Credential, std::move(id), {}, {}}; }
};

// Role levels for grant rules: a caller grants only roles strictly below (a higher
// number than) its own best level; platform admins grant anything. Roles the platform
// doesn't know (custom roles) are level 0: only admins grant them.
int role_level(std::string_view role_name);
// Roles only a platform admin grants (the runner's identity, token reading) — but see
// grant_rules for the credential owner's exception.
bool is_internal_role(std::string_view role_name);
inline constexpr int kLowestPrivilege = 100;  // the "level" of a caller with no binding

class Access {
public:
    // Service tokens: everything.
    static Access platform_admin();
    // A user's live bindings.
    explicit Access(std::vector<Binding> bindings);

    bool is_platform_admin() const { return admin_; }
    const std::vector<Binding>& bindings() const { return bindings_; }

    static bool covers(const Binding& binding, const Target& target);
    bool allows(std::string_view permission, const Target& target) const;
    // Some binding covers the target: the caller knows it exists, so a refusal is a 403,
    // not a 404.
    bool sees(const Target& target) const;
    // The best (lowest) level among the bindings covering the target; kLowestPrivilege when none.
    int best_level(const Target& target) const;
    // Some global binding grants the permission: a list needs no filter.
    bool allows_everywhere(std::string_view permission) const;

    // The ids named by bindings of `scope` that grant `permission`, e.g. the projects in
    // which the caller may read sessions. For list filters.
    std::vector<std::string> scope_ids(std::string_view scope, std::string_view permission) const;
    // (project, agent) of the agent bindings that grant `permission`.
    std::vector<std::pair<std::string, std::string>> agent_scopes(std::string_view permission) const;

private:
    Access() = default;
    bool admin_ = false;
    std::vector<Binding> bindings_;
};

}  // namespace ambient::api::authz
