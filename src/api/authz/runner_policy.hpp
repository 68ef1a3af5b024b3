#pragma once
// What a runner token allows: exactly its own session (read it, read and push its
// messages, list its granted credentials) and the tokens of credentials granted to that
// session. Everything else is refused.
#include <optional>
#include <string>

#include "api/auth/principal.hpp"
#include "api/authz/access.hpp"
#include "api/store/database.hpp"

namespace ambient::api::authz {

struct Refusal {
    int status = 403;
    std::string reason;
};

// nullopt when the runner may do `permission` on `target`; `target` is nullopt when the
// request names no object, `missing` when the object it names doesn't exist.
std::optional<Refusal> runner_refusal(store::Connection& conn, const Principal& runner,
                                      const std::optional<Target>& target, bool missing, const std::string& permission);

}  // namespace ambient::api::authz
