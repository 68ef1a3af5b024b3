#pragma once
// The command agent: RUNNER_COMMAND's argv, run once per turn without a shell in the turn's
// working directory, the prompt on its stdin, its stdout streamed as one assistant text
// message; exit code 0 finishes the run, anything else (or going quiet for longer than
// TURN_IDLE_TIMEOUT) fails it with the last lines of its stderr.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "runner/agents/agent.hpp"

namespace ambient::runner {

std::unique_ptr<Agent> make_command_agent(std::vector<std::string> argv, std::chrono::seconds idle_timeout);

}  // namespace ambient::runner
