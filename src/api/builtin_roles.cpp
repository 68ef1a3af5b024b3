#include "api/builtin_roles.hpp"

#include <openssl/sha.h>

#include "common/ksuid.hpp"

namespace ambient::api {

const std::vector<BuiltinRole>& builtin_roles() {
    static const std::vector<BuiltinRole> roles = {
        {"platform:admin", "Platform Admin", "Full access to everything", {"*:*"}},
        {"platform:viewer",
         "Platform Viewer",
         "Read-only access to all projects, agents and sessions",
         {"project:read", "project:list", "session:read", "session:list", "agent:read", "agent:list"}},
        {"project:owner",
         "Project Owner",
         "Full control of a project, its agents, sessions and role bindings",
         {"project:read", "project:update", "project:delete", "agent:*", "session:*", "session_message:*",
          "project_document:*", "blackboard:*", "role_binding:*"}},
        {"project:editor",
         "Project Editor",
         "Create and run agents and sessions in a project",
         {"project:read",
          "agent:create",
          "agent:read",
          "agent:update",
          "agent:list",
          "agent:start",
          "session:create",
          "session:read",
          "session:update",
          "session:list",
          "session:start",
          "session:stop",
          "session_message:*",
          "project_document:read",
          "project_document:create",
          "project_document:update",
          "project_document:list",
          "blackboard:read",
          "blackboard:watch",
          "role_binding:delete"}},
        {"project:viewer",
         "Project Viewer",
         "Read-only access to a project",
         {"project:read", "agent:read", "agent:list", "session:read", "session:list", "session_message:read",
          "session_message:list", "project_document:read", "project_document:list", "blackboard:read"}},
        {"agent:operator",
         "Agent Operator",
         "Run and configure an agent",
         {"agent:read", "agent:update", "agent:start", "agent:list", "session:read", "session:list"}},
        {"agent:observer",
         "Agent Observer",
         "Watch an agent and its sessions",
         {"agent:read", "agent:list", "session:read", "session:list", "blackboard:read", "blackboard:watch"}},
        {"agent:runner",
         "Agent Runner",
         "Internal: the identity a session's runner acts as",
         {"session:read", "session_message:*", "blackboard:read", "blackboard:watch"}},
        {"agent:editor", "Agent Editor", "Edit an agent", {"agent:read", "agent:update"}},
        {"credential:owner",
         "Credential Owner",
         "Full control of a credential, including reading its token and granting it",
         {"credential:create", "credential:read", "credential:update", "credential:delete", "credential:list",
          "credential:fetch_token", "role_binding:create", "role_binding:delete"}},
        {"credential:token-reader",
         "Credential Token Reader",
         "Internal: read a credential's token (granted to projects and agents for their runners)",
         {"credential:fetch_token"}},
        {"credential:viewer",
         "Credential Viewer",
         "See a credential's metadata, never its token",
         {"credential:read", "credential:list"}},
    };
    return roles;
}

std::string builtin_role_id(const std::string& name) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
    std::array<std::uint8_t, 16> payload{};
    std::copy(digest, digest + payload.size(), payload.begin());
    return make_ksuid(std::chrono::system_clock::time_point{std::chrono::seconds{1400000000}}, payload);
}

}  // namespace ambient::api
