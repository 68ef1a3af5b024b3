#pragma once
// The one reason a user is given for a refused action: `Forbidden`. A reason naming the
// permission, the role, the binding or the object would tell the caller what exists and
// what it would take to act on it; the why goes to the debug log, where an operator
// tracing a refusal finds it.
#include <string_view>

namespace ambient::api::authz {

inline constexpr std::string_view kForbidden = "Forbidden";

// Logs `why` at debug level and throws ApiError 403 with the reason `Forbidden`.
[[noreturn]] void forbid(std::string_view why);

}  // namespace ambient::api::authz
