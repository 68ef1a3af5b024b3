#pragma once
// The control plane's configuration: upstream's environment variables (AMBIENT_API_SERVER_URL,
// AMBIENT_API_TOKEN, BACKEND_API_URL, RUNNER_TYPE, LOG_LEVEL) and our flags. A bad value is a
// ConfigError naming the variable or flag; main prints it on one line and exits 2.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ambient::controlplane {

class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string name, const std::string& problem)
        : std::runtime_error(name + ": " + problem), name_(std::move(name)) {}
    // The variable or flag at fault, e.g. "LOG_LEVEL" or "--max-sessions".
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

// Where runners run: child processes here (runtimes/local/) or Pods (runtimes/kubernetes/).
enum class RuntimeKind { Local, Kubernetes };

struct ControlPlaneConfig {
    std::string api_server_url = "http://localhost:8000";  // without a trailing '/'
    // The service token: either given (AMBIENT_API_TOKEN) or read from a file on every use
    // (--api-token-file, which wins), so a rotated file needs no restart.
    std::string api_token;
    std::filesystem::path api_token_file;
    std::string backend_api_url;  // what runners are given; AMBIENT_API_SERVER_URL when unset
    std::string runner_type;      // RUNNER_TYPE for sessions that name none; empty: the runner's default
    std::string log_level = "info";
    RuntimeKind runtime = RuntimeKind::Local;
    std::chrono::seconds token_refresh_interval{240};
    std::size_t token_refresh_concurrency = 32;  // mint requests in flight at most
    std::filesystem::path data_dir = "./data/sessions";
    std::optional<std::size_t> max_sessions;  // live runners at most; none: no cap
    std::chrono::seconds stop_grace{10};
    // On SIGTERM/SIGINT, stop every runner too (make run). Off by default: runners outlive a
    // control-plane restart and are adopted by the next one.
    bool stop_runners_on_exit = false;
    // The local runtime's runners (runtimes/local/).
    std::string sandbox = "bwrap";             // bwrap | none
    std::filesystem::path runner_binary;       // default: ambient-runner beside our executable
    std::uint64_t runner_memory = 2ull << 30;  // bytes
    std::uint64_t runner_pids = 512;
    std::chrono::seconds runner_cpu{0};                                 // CPU time; 0: unlimited
    std::optional<std::pair<std::uint32_t, std::uint32_t>> runner_uid;  // uid, gid
    // The kubernetes runtime's (runtimes/kubernetes/). The cluster: --kubeconfig, else
    // KUBECONFIG, else in-cluster (resolved at start-up, kube_config.hpp).
    std::filesystem::path kubeconfig;
    std::string runner_image;              // --runner-image, else RUNNER_IMAGE; required
    std::string runner_image_pull_policy;  // "" = the cluster's default
    // Where the API server's Pods run (the runners' NetworkPolicy admits them): POD_NAMESPACE,
    // the control plane's own, unless given.
    std::string api_server_namespace = "ambient-code";
    // --leader-elect (kubernetes only): several replicas, one reconciling at a time, elected
    // through the Lease lease_namespace/lease_name (leader_election.hpp).
    bool leader_elect = false;
    std::string lease_namespace;  // --lease-namespace, else POD_NAMESPACE; required with --leader-elect
    std::string lease_name = "ambient-control-plane";
    std::string lease_identity;  // POD_NAME, else the host name
    std::chrono::seconds lease_duration{15};
    // A watch stream silent this long (no event, no ping) is dropped and resumed: three of
    // the API server's 30 s ping intervals.
    std::chrono::seconds watch_idle_timeout{90};
    std::string metrics_host = "127.0.0.1";  // /healthz and /metrics
    std::uint16_t metrics_port = 8080;
};

using Getenv = std::function<std::optional<std::string>(const char* name)>;

std::optional<std::string> process_getenv(const char* name);

// Reads the environment and the command line and checks every value; throws ConfigError.
// Returns nullopt when --help was asked for (the help text is written to `help`).
std::optional<ControlPlaneConfig> load_config(const std::vector<std::string>& args, const Getenv& getenv,
                                              std::ostream& help);

const char* runtime_name(RuntimeKind kind);

}  // namespace ambient::controlplane
