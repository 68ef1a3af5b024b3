#pragma once
// What of an agent's start prompt a caller may read. The previews (GET …/agents/{id}/start
// and /ignition) need only agent:read on the agent, which an agent-scoped observer holds;
// the prompt also carries the project's prompt and a table of the project's other agents,
// which such a caller may not read. Those parts are dropped unless the caller may read them.
// (The session a start creates still gets the whole prompt: it is the agent's context.)
#include <string>

#include "api/auth/principal.hpp"
#include "api/resources/agent_start_prompt.hpp"

namespace ambient::api::authz {

// Keeps the workspace context only with project:read on input.project_id, and each peer
// only with agent:read on that agent. Service principals keep everything.
void keep_readable_parts(const Principal& caller, StartPromptInput& input);

}  // namespace ambient::api::authz
