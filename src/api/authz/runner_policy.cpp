#include "api/authz/runner_policy.hpp"

#include <array>
#include <string_view>

#include "api/authz/credential_grants.hpp"

namespace ambient::api::authz {

std::optional<Refusal> runner_refusal(store::Connection& conn, const Principal& runner,
                                      const std::optional<Target>& target, bool missing,
                                      const std::string& permission) {
    static constexpr std::array<std::string_view, 4> kOnOwnSession = {"session:read", "session_message:read",
                                                                      "session_message:list", "session_message:create"};
    if (missing) return Refusal{404, ""};
    if (target && target->kind == Target::Kind::Session) {
        if (target->id != runner.session_id) return Refusal{404, ""};
        for (auto allowed : kOnOwnSession) {
            if (permission == allowed) return std::nullopt;
        }
        return Refusal{403, "Forbidden: a runner token may not " + permission + " on its session"};
    }
    if (target && target->kind == Target::Kind::Credential && permission == "credential:fetch_token") {
        if (credential_granted(conn, target->id, runner.project_id, runner.agent_id)) return std::nullopt;
        return Refusal{403, "Forbidden: this credential is not granted to the session"};
    }
    return Refusal{403, "Forbidden: a runner token may only use its own session and the credentials granted to it"};
}

}  // namespace ambient::api::authz
