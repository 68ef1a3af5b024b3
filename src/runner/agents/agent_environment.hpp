#pragma once
// The environment an agent process gets: the runner's own, minus what only the runner may
// hold (its token and where it is kept), plus the turn's variables (credentials), which win.
#include <string>
#include <vector>

#include "runner/agents/agent.hpp"

namespace ambient::runner {

std::vector<std::string> agent_environment(const Environment& turn, const Environment& extra = {});

// The length of the longest prefix of `bytes` that ends on a UTF-8 character boundary, so
// that a character split across two reads is sent whole with the next one.
std::size_t utf8_complete_prefix(std::string_view bytes);

}  // namespace ambient::runner
