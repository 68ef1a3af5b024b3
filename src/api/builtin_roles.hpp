#pragma once
// The roles every installation has, with upstream's newest names and permissions. A
// migration seeds them; RBAC reads their names.
#include <string>
#include <vector>

namespace ambient::api {

struct BuiltinRole {
    std::string name;
    std::string display_name;
    std::string description;
    std::vector<std::string> permissions;  // "resource:action", '*' allowed on either side
};

const std::vector<BuiltinRole>& builtin_roles();

// A stable id for a built-in role, the same on every installation: a KSUID whose time is
// the KSUID epoch and whose payload is derived from the name.
std::string builtin_role_id(const std::string& name);

}  // namespace ambient::api
