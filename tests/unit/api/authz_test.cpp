// The access rules without storage: permission wildcards, scope coverage, levels, and the
// route table's permissions.
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "api/app.hpp"
#include "api/authz/access.hpp"
#include "api/authz/permission.hpp"
#include "api/builtin_roles.hpp"
#include "api/store/database.hpp"

namespace ambient::api::authz {
namespace {

std::vector<std::string> permissions_of(const std::string& role) {
    for (const auto& r : builtin_roles()) {
        if (r.name == role) return r.permissions;
    }
    ADD_FAILURE() << "no built-in role " << role;
    return {};
}

Binding bind(const std::string& role, std::string scope, std::string project = {}, std::string agent = {},
             std::string session = {}, std::string credential = {}) {
    return Binding{"b-" + role,          role,
                   permissions_of(role), std::move(scope),
                   std::move(project),   std::move(agent),
                   std::move(session),   std::move(credential)};
}

TEST(Permission, WildcardsCoverEitherHalf) {
    EXPECT_TRUE(permission_covers("*:*", "credential:fetch_token"));
    EXPECT_TRUE(permission_covers("agent:*", "agent:start"));
    EXPECT_TRUE(permission_covers("*:read", "session:read"));
    EXPECT_TRUE(permission_covers("session:read", "session:read"));
    EXPECT_FALSE(permission_covers("session:read", "session:list"));
    EXPECT_FALSE(permission_covers("agent:*", "session:read"));
    EXPECT_FALSE(permission_covers("*:read", "credential:fetch_token"));
    EXPECT_FALSE(permission_covers("credential", "credential:read"));  // malformed covers nothing
    EXPECT_FALSE(permission_covers("", "credential:read"));
    EXPECT_FALSE(permission_covers("session:rea", "session:read"));  // no prefix matching
}

TEST(Access, ProjectBindingCoversItsProjectAgentsAndSessionsOnly) {
    Access access({bind("project:viewer", "project", "alpha")});
    EXPECT_TRUE(access.allows("project:read", Target::project("alpha")));
    EXPECT_TRUE(access.allows("agent:read", Target::agent("a1", "alpha")));
    EXPECT_TRUE(access.allows("session:read", Target::session("s1", "alpha", "")));
    EXPECT_FALSE(access.allows("project:read", Target::project("beta")));
    EXPECT_FALSE(access.sees(Target::session("s2", "beta", "")));
    EXPECT_FALSE(access.allows("session:create", Target::project("alpha")));  // viewer
    EXPECT_TRUE(access.sees(Target::project("alpha")));                       // so a 403, not a 404
    EXPECT_FALSE(access.sees(Target::credential("alpha")));  // a credential is never "in" a project binding
    EXPECT_FALSE(access.is_platform_admin());
}

TEST(Access, AgentBindingCoversTheAgentAndItsSessions) {
    Access access({bind("agent:operator", "agent", "alpha", "a1")});
    EXPECT_TRUE(access.allows("agent:start", Target::agent("a1", "alpha")));
    EXPECT_TRUE(access.allows("session:read", Target::session("s1", "alpha", "a1")));
    EXPECT_FALSE(access.sees(Target::session("s2", "alpha", "a2")));
    EXPECT_FALSE(access.sees(Target::agent("a2", "alpha")));
    EXPECT_FALSE(access.sees(Target::project("alpha")));
    // The same agent id under another project is another agent.
    EXPECT_FALSE(access.sees(Target::agent("a1", "beta")));
}

TEST(Access, SessionAndCredentialBindingsCoverOneObject) {
    Access access(
        {bind("project:viewer", "session", "", "", "s1"), bind("credential:viewer", "credential", "", "", "", "c1")});
    EXPECT_TRUE(access.allows("session:read", Target::session("s1", "alpha", "")));
    EXPECT_FALSE(access.sees(Target::session("s2", "alpha", "")));
    EXPECT_TRUE(access.allows("credential:read", Target::credential("c1")));
    EXPECT_FALSE(access.allows("credential:fetch_token", Target::credential("c1")));  // a viewer never reads tokens
    EXPECT_TRUE(access.sees(Target::credential("c1")));
    EXPECT_FALSE(access.sees(Target::credential("c2")));
}

TEST(Access, CredentialOwnerReadsTheTokenAndTokenReaderOnlyThat) {
    Access owner({bind("credential:owner", "credential", "", "", "", "c1")});
    EXPECT_TRUE(owner.allows("credential:fetch_token", Target::credential("c1")));
    EXPECT_TRUE(owner.allows("credential:update", Target::credential("c1")));
    EXPECT_FALSE(owner.allows("credential:fetch_token", Target::credential("c2")));
    Access reader({bind("credential:token-reader", "credential", "", "", "", "c1")});
    EXPECT_TRUE(reader.allows("credential:fetch_token", Target::credential("c1")));
    EXPECT_FALSE(reader.allows("credential:read", Target::credential("c1")));
}

TEST(Access, GlobalBindingsCoverEverythingAndAdminIsAGlobalStarStar) {
    Access viewer({bind("platform:viewer", "global")});
    EXPECT_TRUE(viewer.allows("project:read", Target::project("any")));
    EXPECT_TRUE(viewer.allows_everywhere("session:list"));
    EXPECT_FALSE(viewer.allows("project:delete", Target::project("any")));
    EXPECT_FALSE(viewer.is_platform_admin());
    Access admin({bind("platform:admin", "global")});
    EXPECT_TRUE(admin.is_platform_admin());
    EXPECT_TRUE(admin.allows("credential:fetch_token", Target::credential("c9")));
    // platform:admin bound at a project is no platform admin.
    Access project_admin({bind("platform:admin", "project", "alpha")});
    EXPECT_FALSE(project_admin.is_platform_admin());
    EXPECT_TRUE(project_admin.allows("project:delete", Target::project("alpha")));
    EXPECT_FALSE(project_admin.sees(Target::project("beta")));
    EXPECT_TRUE(Access::platform_admin().is_platform_admin());
}

// Status writes and runner tokens are the control plane's: no binding grants them to a user,
// not a wildcard, not platform:admin's "*:*", not a custom role that names them.
TEST(Access, ServiceOnlyPermissionsAreGrantedToNoUser) {
    EXPECT_TRUE(is_service_only("session:update_status"));
    EXPECT_TRUE(is_service_only("session:runner_token"));
    EXPECT_FALSE(is_service_only("session:update"));
    const auto session = Target::session("s1", "alpha", "");
    Access owner({bind("project:owner", "project", "alpha")});
    EXPECT_TRUE(owner.allows("session:update", session));
    EXPECT_FALSE(owner.allows("session:update_status", session));
    EXPECT_FALSE(owner.allows("session:runner_token", session));
    EXPECT_TRUE(owner.sees(session));
    Access admin({bind("platform:admin", "global")});
    EXPECT_FALSE(admin.allows("session:update_status", session));
    EXPECT_FALSE(admin.allows_everywhere("session:update_status"));
    EXPECT_FALSE(Access::platform_admin().allows("session:runner_token", session));
    Binding custom{"b-custom", "status-writer", {"session:update_status"}, "global", {}, {}, {}, {}};
    EXPECT_FALSE(custom.grants("session:update_status"));
    EXPECT_FALSE(Access({custom}).allows("session:update_status", session));
}

TEST(Access, BestLevelIsTheStrongestCoveringRole) {
    Access access({bind("project:viewer", "project", "alpha"), bind("project:owner", "project", "beta")});
    EXPECT_EQ(access.best_level(Target::project("alpha")), role_level("project:viewer"));
    EXPECT_EQ(access.best_level(Target::project("beta")), role_level("project:owner"));
    EXPECT_EQ(access.best_level(Target::project("gamma")), kLowestPrivilege);
    EXPECT_LT(role_level("platform:admin"), role_level("project:owner"));
    EXPECT_LT(role_level("project:owner"), role_level("project:editor"));
    EXPECT_LT(role_level("project:editor"), role_level("project:viewer"));
    EXPECT_EQ(role_level("some-custom-role"), 0);  // only admins grant what the platform doesn't know
    EXPECT_TRUE(is_internal_role("agent:runner"));
    EXPECT_TRUE(is_internal_role("credential:token-reader"));
    EXPECT_FALSE(is_internal_role("credential:viewer"));
}

TEST(Access, ScopeIdsAreTheBindingsGrantingAPermission) {
    Access access({bind("project:viewer", "project", "alpha"), bind("project:owner", "project", "beta"),
                   bind("agent:observer", "agent", "gamma", "a1")});
    EXPECT_EQ(access.scope_ids("project", "session:read"), (std::vector<std::string>{"alpha", "beta"}));
    EXPECT_EQ(access.scope_ids("project", "session:delete"), (std::vector<std::string>{"beta"}));
    EXPECT_EQ(access.scope_ids("agent", "session:read"), (std::vector<std::string>{"a1"}));
}

// Every route the server serves declares what it needs: a public route or a
// "resource:action" permission.
TEST(RouteTable, EveryNonPublicRouteDeclaresAPermission) {
    const auto dir = std::filesystem::temp_directory_path() / ("authz-routes-" + std::to_string(::getpid()));
    auto db = store::open_database(dir.string());
    App app(*db, {}, {});
    const std::regex permission(R"([a-z_]+:[a-z_]+)");
    std::size_t checked = 0;
    for (const auto& route : app.router().routes()) {
        if (route.is_public) continue;
        EXPECT_TRUE(std::regex_match(route.permission, permission)) << route.method << " " << route.pattern;
        ++checked;
    }
    EXPECT_GT(checked, 50u);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ambient::api::authz
