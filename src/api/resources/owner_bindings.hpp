#pragma once
// The bindings the server makes itself: the creator of a project or a credential becomes
// its owner.
#include <string>

#include "api/auth/principal.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

// Binds a user caller as `role` (a built-in role) at `scope` ("project" or "credential")
// on the object `id`, audited; service callers get no binding (they are admins already).
void bind_creator(store::Connection& conn, const Principal& creator, const std::string& role, const std::string& scope,
                  const std::string& id);

}  // namespace ambient::api
