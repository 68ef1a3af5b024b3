#include "runner/agents/agent.hpp"
#include "runner/agents/claude_agent.hpp"
#include "runner/agents/command_agent.hpp"
#include "runner/agents/echo_agent.hpp"
#include "runner/config.hpp"

namespace ambient::runner {

std::unique_ptr<Agent> make_agent(const RunnerConfig& config) {
    switch (config.runner_type) {
        case RunnerType::Echo:
            return make_echo_agent();
        case RunnerType::Command:
            return make_command_agent(config.runner_command, config.turn_idle_timeout);
        case RunnerType::Claude:
            return make_claude_agent(config);
    }
    throw ConfigError("RUNNER_TYPE", "unknown agent");
}

}  // namespace ambient::runner
