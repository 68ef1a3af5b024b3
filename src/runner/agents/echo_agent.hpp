#pragma once
// The echo agent: answers every prompt with "echo: <prompt>", as one streamed text message.
// Deterministic, instant, no process: for tests, demos and benchmarks.
#include <memory>

#include "runner/agents/agent.hpp"

namespace ambient::runner {

std::unique_ptr<Agent> make_echo_agent();

}  // namespace ambient::runner
