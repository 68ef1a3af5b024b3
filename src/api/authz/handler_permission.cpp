#include "api/authz/handler_permission.hpp"

#include "api/authz/runner_policy.hpp"
#include "common/api_error.hpp"

namespace ambient::api::authz {

void require_permission(store::Connection& conn, const Principal& caller, const std::string& permission,
                        const Target& target) {
    switch (caller.kind) {
        case Principal::Kind::Service:
            return;
        case Principal::Kind::Runner:
            if (const auto refusal = runner_refusal(conn, caller, target, false, permission)) {
                throw ApiError::forbidden(refusal->reason.empty() ? "Forbidden" : refusal->reason);
            }
            return;
        case Principal::Kind::User:
            break;
    }
    // Authorization loaded the user's access before the handler ran; without it, refuse.
    if (caller.access != nullptr && caller.access->allows(permission, target)) return;
    throw ApiError::forbidden("Forbidden: your role bindings do not grant " + permission + " here");
}

}  // namespace ambient::api::authz
