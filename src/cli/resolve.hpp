#pragma once
// Names to objects, as upstream's commands resolve them: a name first (a search for the exact
// name), then an id. Several objects with one name is an error listing their ids.
#include <string>

#include "cli/api.hpp"

namespace ambient::cli {

// An agent of `project` by name or id; CliError (kExitNotFound) `agent "x" not found in
// project "p"`.
Json resolve_agent(const Api& api, const std::string& project, const std::string& name_or_id);
// A credential the caller can see, by id or name; ambiguous names are refused.
Json resolve_credential(const Api& api, const std::string& name_or_id);
// A role's id from its name ("credential:token-reader") or id.
std::string resolve_role_id(const Api& api, const std::string& name_or_id);

// True for a 27-character KSUID (the shape of every id but a project's).
bool looks_like_id(const std::string& text);

}  // namespace ambient::cli
