// Which role bindings grant a credential to sessions (authz/credential_grants.hpp), without
// storage: one row per binding shape.
#include <gtest/gtest.h>

#include "api/authz/credential_grants.hpp"
#include "api/builtin_roles.hpp"

namespace ambient::api::authz {
namespace {

std::vector<std::string> permissions_of(const std::string& role) {
    for (const auto& r : builtin_roles()) {
        if (r.name == role) return r.permissions;
    }
    return {"credential:fetch_token"};  // a custom role that reads tokens
}

TEST(CredentialGrants, WhichBindingsGrantACredentialToSessions) {
    struct Row {
        std::string scope, role, user, project;
        bool grants;
    };
    const std::vector<Row> rows = {
        // Upstream's form: either role, to a project (or its agent), naming a user or not.
        {"credential", "credential:viewer", "", "p", true},
        {"credential", "credential:viewer", "una", "p", true},
        {"credential", "credential:token-reader", "", "p", true},
        {"credential", "credential:token-reader", "una", "p", true},
        // Neither project nor user: every session (a platform admin's).
        {"credential", "credential:viewer", "", "", true},
        {"credential", "credential:token-reader", "", "", true},
        // A user's own binding on the credential is that user's only.
        {"credential", "credential:viewer", "una", "", false},
        {"credential", "credential:token-reader", "una", "", false},
        // Other roles: only one that reads tokens, naming no user (a custom role).
        {"credential", "custom:reader", "", "p", true},
        {"credential", "custom:reader", "una", "p", false},
        {"credential", "credential:owner", "una", "p", false},
        {"credential", "project:viewer", "", "p", false},
        // Not a credential binding.
        {"project", "credential:viewer", "", "p", false},
    };
    for (const auto& r : rows) {
        const auto permissions = permissions_of(r.role);
        const CredentialBindingView view{r.scope, "c1", r.user, r.project, r.role, permissions};
        EXPECT_EQ(grants_to_sessions(view), r.grants)
            << r.role << " at " << r.scope << " user '" << r.user << "' project '" << r.project << "'";
    }
    const std::vector<std::string> reader = {"credential:fetch_token"};
    EXPECT_FALSE(grants_to_sessions({"credential", "", "", "p", "credential:token-reader", reader}));
}

TEST(CredentialGrants, OwnersGrantOnlyViewerOrTokenReader) {
    EXPECT_TRUE(is_grantable_to_sessions("credential:viewer"));
    EXPECT_TRUE(is_grantable_to_sessions("credential:token-reader"));
    EXPECT_FALSE(is_grantable_to_sessions("credential:owner"));
    EXPECT_FALSE(is_grantable_to_sessions("platform:admin"));
}

}  // namespace
}  // namespace ambient::api::authz
