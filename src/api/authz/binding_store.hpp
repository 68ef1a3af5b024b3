#pragma once
// Reading a user's role bindings (with their roles' permissions) from storage.
#include <string>
#include <vector>

#include "api/authz/access.hpp"
#include "api/store/database.hpp"

namespace ambient::api::authz {

// The live bindings whose subject is `username`, each with its live role's permissions.
std::vector<Binding> load_user_bindings(store::Connection& conn, const std::string& username);

// A role's permissions from their stored form (a JSON array of "resource:action"); anything
// malformed grants nothing.
std::vector<std::string> parse_permissions(const std::string& json);

}  // namespace ambient::api::authz
