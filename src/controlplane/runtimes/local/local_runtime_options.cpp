// The local runtime's options from the control plane's configuration.
#include "controlplane/config.hpp"
#include "controlplane/runtimes/local/local_runtime.hpp"

namespace ambient::controlplane {

LocalRuntimeOptions local_runtime_options(const ControlPlaneConfig& config) {
    LocalRuntimeOptions o;
    o.data_dir = config.data_dir;
    o.runner_binary = config.runner_binary;
#ifdef AMBIENT_DEFAULT_CLAUDE_CLI
    // The CLI scripts/install-deps pinned in the source tree, the runner's default too.
    o.claude_cli = AMBIENT_DEFAULT_CLAUDE_CLI;
#endif
    o.backend_api_url = config.backend_api_url;
    o.default_runner_type = config.runner_type;
    o.sandbox = config.sandbox == "none" ? SandboxKind::None : SandboxKind::Bwrap;
    o.stop_grace = config.stop_grace;
    o.limits = {.memory_bytes = config.runner_memory, .pids = config.runner_pids, .cpu = config.runner_cpu};
    if (config.runner_uid) o.runner_user = RunAs{config.runner_uid->first, config.runner_uid->second};
    // A runner running as our own uid could otherwise read the service token file.
    if (!config.api_token_file.empty()) o.hidden_paths.push_back(std::filesystem::absolute(config.api_token_file));
    return o;
}

}  // namespace ambient::controlplane
