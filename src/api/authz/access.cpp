#include "api/authz/access.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "api/authz/permission.hpp"

namespace ambient::api::authz {

bool Binding::grants(std::string_view permission) const {
    if (is_service_only(permission)) return false;
    return std::any_of(permissions.begin(), permissions.end(),
                       [&](const std::string& granted) { return permission_covers(granted, permission); });
}

int role_level(std::string_view role_name) {
    static constexpr std::array<std::pair<std::string_view, int>, 12> kLevels = {{
        {"platform:admin", 0},
        {"project:owner", 1},
        {"credential:owner", 1},
        {"platform:viewer", 2},
        {"project:editor", 2},
        {"agent:operator", 2},
        {"agent:editor", 2},
        {"credential:token-reader", 2},
        {"credential:viewer", 2},
        {"agent:runner", 2},
        {"project:viewer", 3},
        {"agent:observer", 3},
    }};
    for (const auto& [name, level] : kLevels) {
        if (name == role_name) return level;
    }
    return 0;
}

bool is_internal_role(std::string_view role_name) {
    return role_name == "agent:runner" || role_name == "credential:token-reader";
}

Access Access::platform_admin() {
    Access access;
    access.admin_ = true;
    return access;
}

Access::Access(std::vector<Binding> bindings) : bindings_(std::move(bindings)) {
    // A global binding to a role holding "*:*" (platform:admin) makes a platform admin.
    admin_ = std::any_of(bindings_.begin(), bindings_.end(),
                         [](const Binding& b) { return b.scope == "global" && b.grants("*:*"); });
}

bool Access::covers(const Binding& b, const Target& t) {
    using K = Target::Kind;
    if (b.scope == "global") return true;
    if (b.scope == "project") {
        return (t.kind == K::Project || t.kind == K::Agent || t.kind == K::Session) && !b.project_id.empty() &&
               t.project_id == b.project_id;
    }
    if (b.scope == "agent") {
        return (t.kind == K::Agent || t.kind == K::Session) && !b.agent_id.empty() && t.agent_id == b.agent_id &&
               t.project_id == b.project_id;
    }
    if (b.scope == "session") return t.kind == K::Session && !b.session_id.empty() && t.id == b.session_id;
    if (b.scope == "credential") {
        return t.kind == K::Credential && !b.credential_id.empty() && t.id == b.credential_id;
    }
    return false;
}

bool Access::allows(std::string_view permission, const Target& target) const {
    if (is_service_only(permission)) return false;
    if (admin_) return true;
    return std::any_of(bindings_.begin(), bindings_.end(),
                       [&](const Binding& b) { return covers(b, target) && b.grants(permission); });
}

bool Access::sees(const Target& target) const {
    if (admin_) return true;
    return std::any_of(bindings_.begin(), bindings_.end(), [&](const Binding& b) { return covers(b, target); });
}

int Access::best_level(const Target& target) const {
    if (admin_) return 0;
    int best = kLowestPrivilege;
    for (const auto& b : bindings_) {
        if (covers(b, target)) best = std::min(best, role_level(b.role_name));
    }
    return best;
}

bool Access::allows_everywhere(std::string_view permission) const {
    if (is_service_only(permission)) return false;
    if (admin_) return true;
    return std::any_of(bindings_.begin(), bindings_.end(),
                       [&](const Binding& b) { return b.scope == "global" && b.grants(permission); });
}

std::vector<std::pair<std::string, std::string>> Access::agent_scopes(std::string_view permission) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& b : bindings_) {
        if (b.scope == "agent" && !b.agent_id.empty() && b.grants(permission))
            out.emplace_back(b.project_id, b.agent_id);
    }
    return out;
}

std::vector<std::string> Access::scope_ids(std::string_view scope, std::string_view permission) const {
    std::vector<std::string> ids;
    for (const auto& b : bindings_) {
        if (b.scope != scope || !b.grants(permission)) continue;
        const std::string& id = scope == "project"   ? b.project_id
                                : scope == "agent"   ? b.agent_id
                                : scope == "session" ? b.session_id
                                                     : b.credential_id;
        if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    return ids;
}

}  // namespace ambient::api::authz
