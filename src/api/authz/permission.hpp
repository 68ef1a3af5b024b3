#pragma once
// Permissions are "resource:action" strings (e.g. "credential:fetch_token"); a role's
// permission may use "*" for either half ("agent:*", "*:read", "*:*").
#include <string_view>

namespace ambient::api::authz {

// True when the granted permission (from a role) covers the needed one. A malformed
// granted permission (no ':') covers nothing.
bool permission_covers(std::string_view granted, std::string_view needed);

// Permissions of the control plane's own writes (a session's status, runner tokens): only
// service principals hold them. No role grants them to a user — not a wildcard, not
// platform:admin's "*:*", not a custom role naming them.
bool is_service_only(std::string_view permission);

}  // namespace ambient::api::authz
