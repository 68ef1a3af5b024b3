#pragma once
// A session's or an agent's `environment_variables`: JSON text holding an object of strings,
// which the control plane puts in the runner's environment. The names the platform sets
// itself are refused, so that a session can neither impersonate another session nor point
// its runner at another API server or token file.
#include <string_view>

#include "api/model/row.hpp"

namespace ambient::api {

// Whether the platform sets `name` in a runner's environment: SESSION_ID, PROJECT_NAME,
// BACKEND_API_URL, CREDENTIAL_IDS, WORKSPACE_PATH, BOT_TOKEN* and AGUI_*.
bool is_reserved_environment_variable(std::string_view name);

// Throws ApiError::validation (400) when the row sets `environment_variables` to anything
// but an empty text or a JSON object of strings, or names a reserved variable (the reason
// names it). A row without the field, or with it null, passes.
void validate_environment_variables(const model::Row& row);

}  // namespace ambient::api
