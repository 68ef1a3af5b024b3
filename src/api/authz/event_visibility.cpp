#include "api/authz/event_visibility.hpp"

#include <functional>

#include "api/authz/access.hpp"
#include "api/authz/list_visibility.hpp"

namespace ambient::api::authz {
namespace {

void add_all(std::unordered_set<std::string>& into, const std::vector<std::string>& ids) {
    into.insert(ids.begin(), ids.end());
}

// Where the caller may see role bindings: where it may read, list, create or delete them
// (as list_visibility's rows filter).
void add_binding_managed(std::unordered_set<std::string>& into, const Access& access, const char* scope) {
    for (const char* p : {"role_binding:read", "role_binding:list", "role_binding:create", "role_binding:delete"}) {
        add_all(into, access.scope_ids(scope, p));
    }
}

}  // namespace

std::size_t EventVisibility::PairHash::operator()(const std::pair<std::string, std::string>& p) const {
    return std::hash<std::string>{}(p.first) * 31 + std::hash<std::string>{}(p.second);
}

EventVisibility EventVisibility::of(const Principal& principal, const std::string& table) {
    EventVisibility v;
    v.table_ = table;
    if (principal.kind == Principal::Kind::Service) {
        v.mode_ = Mode::All;
        return v;
    }
    const auto permission = read_permission(table);
    if (permission.empty()) {
        v.mode_ = Mode::All;
        return v;
    }
    if (principal.kind == Principal::Kind::Runner || principal.access == nullptr) return v;
    const Access& access = *principal.access;
    if (access.allows_everywhere(permission)) {
        v.mode_ = Mode::All;
        return v;
    }
    v.mode_ = Mode::Filtered;
    v.username_ = principal.username;
    if (table == "projects" || table == "project_settings") {
        add_all(v.projects_, access.scope_ids("project", "project:read"));
    } else if (table == "agents") {
        add_all(v.projects_, access.scope_ids("project", "agent:read"));
        for (auto& pair : access.agent_scopes("agent:read"))
            v.agents_.insert(std::move(pair));
    } else if (table == "sessions") {
        add_all(v.projects_, access.scope_ids("project", "session:read"));
        for (auto& pair : access.agent_scopes("session:read"))
            v.agents_.insert(std::move(pair));
        add_all(v.sessions_, access.scope_ids("session", "session:read"));
    } else if (table == "credentials") {
        add_all(v.credentials_, access.scope_ids("credential", "credential:read"));
    } else if (table == "role_bindings") {
        add_binding_managed(v.projects_, access, "project");
        add_binding_managed(v.credentials_, access, "credential");
    }
    return v;
}

bool EventVisibility::sees(const EventRoute& e) const {
    switch (mode_) {
        case Mode::All:
            return true;
        case Mode::None:
            return false;
        case Mode::Filtered:
            break;
    }
    if (table_ == "projects") return projects_.contains(e.source_id);
    if (table_ == "project_settings") return projects_.contains(e.project_id);
    if (table_ == "agents") return projects_.contains(e.project_id) || agents_.contains({e.project_id, e.source_id});
    if (table_ == "sessions") {
        return projects_.contains(e.project_id) || agents_.contains({e.project_id, e.agent_id}) ||
               sessions_.contains(e.source_id);
    }
    if (table_ == "credentials") return credentials_.contains(e.source_id);
    if (table_ == "role_bindings") {
        return (!e.user_id.empty() && e.user_id == username_) || projects_.contains(e.project_id) ||
               credentials_.contains(e.credential_id);
    }
    if (table_ == "users") return !e.user_id.empty() && e.user_id == username_;
    return false;
}

}  // namespace ambient::api::authz
