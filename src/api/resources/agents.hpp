#pragma once
// Agent lookups other resources reuse (the inbox lives under an agent).
#include <string>

#include "api/context.hpp"
#include "api/model/kind.hpp"
#include "api/model/row.hpp"
#include "api/store/database.hpp"
#include "common/http/router.hpp"

namespace ambient::api {

// The live agent `agent_id` of the live project `project_id`, inside the caller's
// transaction. 404 (ApiError) when the project is unknown, or when the agent is unknown or
// belongs to another project — a nested route never reaches into another project.
model::Row require_agent_in_project(store::Connection& conn, const std::string& project_id,
                                    const std::string& agent_id);

// GET handler for rows that belong to the agent of a /projects/{id}/agents/{agent_id}/…
// route (its sessions, its inbox): 404 as above, then the usual paging, search, orderBy
// (default `default_order`) and fields, with `<agent_column> = <agent_id>` ANDed to the
// client's search in parentheses, so no `or` in a search can reach another agent's rows.
http::Handler agent_scoped_list(ApiContext& ctx, const model::KindSchema& schema, std::string agent_column,
                                std::string default_order = {});

}  // namespace ambient::api
