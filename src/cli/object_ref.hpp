#pragma once
// What `get`, `describe`, `delete` and `patch` share: the kind a word names, the collection a
// kind lists from, and the object a name or id on the command line stands for.
#include <string>

#include "cli/context.hpp"
#include "cli/kinds.hpp"

namespace ambient::cli {

// The kind `word` names; a usage error `unknown resource type "x" (valid types: …)` otherwise.
const KindInfo& require_kind(const std::string& word);

// The client for `project_flag` when given (its X-Ambient-Project scopes sessions, settings
// and watches), else the effective one.
Api api_for(Context& ctx, const std::string& project_flag);

// Where a kind's list lives: /<collection>, or /projects/<P>/agents for agents (P the flag or
// the effective project; a usage error when neither).
std::string collection_path(Context& ctx, const KindInfo& kind, const std::string& project_flag);

struct ObjectRef {
    Json object;       // as the server returned it
    std::string path;  // where to GET, PATCH or DELETE it
};

// The object `name_or_id` names: agents by name or id within the project (an id outside any
// project by the flat /agents/{id}), credentials as resolve_credential, sessions, roles and
// users by name (users: username) or id, the others by id. Not found: exit code 2.
ObjectRef find_object(Context& ctx, const KindInfo& kind, const std::string& name_or_id,
                      const std::string& project_flag);

// The path of the object `name_or_id` names, found as find_object does; for kinds named only
// by id, no request is made (the caller's own request reports a missing object).
std::string find_object_path(Context& ctx, const KindInfo& kind, const std::string& name_or_id,
                             const std::string& project_flag);

// What a command that changed an object prints: the object with -o json|yaml, else `line`
// (`session/<id> created`).
void print_result(Format format, const Json& object, const std::string& line);

}  // namespace ambient::cli
