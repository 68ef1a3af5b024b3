#include "api/authz/start_prompt_visibility.hpp"

#include <algorithm>

#include "api/authz/access.hpp"

namespace ambient::api::authz {
namespace {

bool may(const Principal& caller, std::string_view permission, const Target& target) {
    if (caller.kind == Principal::Kind::Service) return true;
    return caller.access != nullptr && caller.access->allows(permission, target);
}

}  // namespace

void keep_readable_parts(const Principal& caller, StartPromptInput& input) {
    if (!may(caller, "project:read", Target::project(input.project_id))) input.workspace_context.clear();
    std::erase_if(input.peers, [&](const StartPromptPeer& peer) {
        return !may(caller, "agent:read", Target::agent(peer.id, input.project_id));
    });
}

}  // namespace ambient::api::authz
