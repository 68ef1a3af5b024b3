#pragma once
// Lists show only what the caller may read. For a user, the filter that keeps a kind's
// rows to those their bindings cover; service callers and global grants see everything.
#include <optional>
#include <string>

#include "api/auth/principal.hpp"
#include "api/store/value.hpp"

namespace ambient::api::authz {

// A filter over `table`'s own rows (nullopt: no filter). A kind the rules don't know is
// visible only through a global grant.
std::optional<store::SqlFragment> visible_rows(const Principal& principal, const std::string& table);

// The permission whose global grant lifts `table`'s filter; "" for a kind everyone sees.
std::string read_permission(const std::string& table);

}  // namespace ambient::api::authz
