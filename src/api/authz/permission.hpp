#pragma once
// Permissions are "resource:action" strings (e.g. "credential:fetch_token"); a role's
// permission may use "*" for either half ("agent:*", "*:read", "*:*").
#include <string_view>

namespace ambient::api::authz {

// True when the granted permission (from a role) covers the needed one. A malformed
// granted permission (no ':') covers nothing.
bool permission_covers(std::string_view granted, std::string_view needed);

}  // namespace ambient::api::authz
