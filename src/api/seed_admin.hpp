#pragma once
// `ambient-api-server seed-admin --username U`: the first platform admin, so that a fresh
// installation can be administered by a person and not only by service tokens.
#include <ostream>
#include <string>

#include "api/store/database.hpp"

namespace ambient::api {

// Binds `username` to platform:admin at global scope unless such a binding exists; says
// which on `out`. Throws std::invalid_argument for an unusable username.
void seed_admin(store::Database& db, const std::string& username, std::ostream& out);

}  // namespace ambient::api
