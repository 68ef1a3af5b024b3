#pragma once
// A session's or an agent's `environment_variables`: JSON text holding an object of strings,
// which the control plane puts in the runner's environment. The names the platform sets
// itself are refused, so that a session can neither impersonate another session nor point
// its runner at another API server or token file.
#include "api/model/row.hpp"

namespace ambient::api {

// Throws ApiError::validation (400) when the row sets `environment_variables` to anything
// but an empty text or a JSON object of strings, or names a variable the platform sets
// (is_platform_environment_variable; the reason names it). A row without the field, or with it null, passes.
void validate_environment_variables(const model::Row& row);

}  // namespace ambient::api
