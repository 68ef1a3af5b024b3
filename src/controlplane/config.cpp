#include "controlplane/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "common/duration.hpp"
#include "controlplane/runtimes/local/limits.hpp"

namespace ambient::controlplane {
namespace {

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::array<std::string_view, 3> kRunnerTypes = {"claude", "command", "echo"};
constexpr std::array<std::string_view, 3> kPullPolicies = {"Always", "IfNotPresent", "Never"};

// The longest a refresh interval or a grace may be: longer is a typo, not a wish.
constexpr std::chrono::seconds kMaxDuration{24 * 3600};

std::string env_or(const Getenv& getenv, const char* name, std::string fallback) {
    auto v = getenv(name);
    return v && !v->empty() ? *v : std::move(fallback);
}

// "http(s)://host[:port][/prefix]", kept without a trailing '/'. No user information: a
// token never goes into a URL.
std::string check_url(const std::string& name, std::string url) {
    while (url.ends_with('/'))
        url.pop_back();
    const bool scheme = url.starts_with("http://") || url.starts_with("https://");
    const auto host_start = scheme ? url.find("//") + 2 : std::string::npos;
    const auto authority = scheme ? url.substr(host_start, url.find('/', host_start) - host_start) : std::string();
    if (!scheme || authority.empty() || authority.find('@') != std::string::npos ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
        throw ConfigError(name, "not an http(s) URL: '" + url.substr(0, 64) + "'");
    }
    return url;
}

template <std::size_t N>
void check_one_of(const std::string& name, const std::string& value, const std::array<std::string_view, N>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    std::string list;
    for (auto a : allowed)
        list += (list.empty() ? "" : ", ") + std::string(a);
    throw ConfigError(name, "'" + value.substr(0, 32) + "' is not one of " + list);
}

std::chrono::seconds check_duration(const std::string& name, const std::string& text, bool allow_zero) {
    const auto d = parse_duration(text, kMaxDuration);
    if (!d) throw ConfigError(name, "not a duration like 10s, 4m or 1h (at most 24h): '" + text.substr(0, 32) + "'");
    if (!allow_zero && d->count() == 0) throw ConfigError(name, "must be more than 0");
    return *d;
}

void check_bind(const std::string& text, ControlPlaneConfig& config) {
    const std::string name = "--metrics-bindaddress";
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw ConfigError(name, "expected HOST:PORT");
    const std::string port = text.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
        throw ConfigError(name, "bad port in '" + text.substr(0, 64) + "'");
    }
    config.metrics_host = colon == 0 ? "0.0.0.0" : text.substr(0, colon);
    config.metrics_port = static_cast<std::uint16_t>(value);
}

std::uint32_t parse_id(const std::string& name, const std::string& text) {
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw ConfigError(name, "expected UID or UID:GID (numbers), not '" + text.substr(0, 32) + "'");
    return v;
}

void check_runner_flags(const std::string& sandbox, const std::string& binary, const std::string& memory,
                        long long pids, const std::string& cpu, const std::string& uid, ControlPlaneConfig& config) {
    if (sandbox != "bwrap" && sandbox != "none")
        throw ConfigError("--sandbox", "'" + sandbox.substr(0, 32) + "' is not one of bwrap, none");
    config.sandbox = sandbox;
    if (!binary.empty()) {
        config.runner_binary = binary;
        if (::access(binary.c_str(), X_OK) != 0) throw ConfigError("--runner-binary", "not executable: " + binary);
    } else {
        std::error_code ec;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        config.runner_binary = (ec ? std::filesystem::path(".") : self.parent_path()) / "ambient-runner";
    }
    const auto bytes = parse_memory(memory);
    if (!bytes || *bytes < (16u << 20))
        throw ConfigError("--runner-memory",
                          "not a quantity of at least 16Mi like 512Mi or 2Gi: '" + memory.substr(0, 32) + "'");
    config.runner_memory = *bytes;
    if (pids < 8 || pids > 1000000) throw ConfigError("--runner-pids", "must be between 8 and 1000000");
    config.runner_pids = static_cast<std::uint64_t>(pids);
    const auto cpu_time = parse_cpu_time(cpu);
    if (!cpu_time)
        throw ConfigError("--runner-cpu", "not CPU seconds or a duration like 600 or 1h: '" + cpu.substr(0, 32) + "'");
    config.runner_cpu = *cpu_time;
    if (!uid.empty()) {
        const auto colon = uid.find(':');
        const auto u = parse_id("--runner-uid", uid.substr(0, colon));
        const auto g = colon == std::string::npos ? u : parse_id("--runner-uid", uid.substr(colon + 1));
        config.runner_uid = std::make_pair(u, g);
    }
}

}  // namespace

std::optional<std::string> process_getenv(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
}

const char* runtime_name(RuntimeKind kind) {
    switch (kind) {
        case RuntimeKind::Local:
            return "local";
        case RuntimeKind::Kubernetes:
            return "kubernetes";
    }
    return "local";
}

std::optional<ControlPlaneConfig> load_config(const std::vector<std::string>& args, const Getenv& getenv,
                                              std::ostream& help) {
    ControlPlaneConfig config;
    std::string runtime = "local";
    std::string refresh = "4m";
    std::string grace = "10s";
    std::string watch_idle = "90s";
    std::string metrics_bind = "127.0.0.1:8080";
    std::string token_file;
    std::string data_dir = config.data_dir.string();
    long long max_sessions = -1;
    std::string sandbox = "bwrap";
    std::string runner_binary;
    std::string runner_memory = "2Gi";
    long long runner_pids = 512;
    std::string runner_cpu = "0";
    std::string runner_uid;
    long long refresh_concurrency = static_cast<long long>(config.token_refresh_concurrency);
    std::string kubeconfig;
    std::string runner_image;
    std::string pull_policy;
    std::string api_server_namespace;
    std::string lease_duration = "15s";

    CLI::App cli{"ambient-control-plane: turns sessions into running runners and keeps their tokens fresh",
                 "ambient-control-plane"};
    cli.add_option("--runtime", runtime, "Where runners run: local or kubernetes")->capture_default_str();
    cli.add_option("--api-token-file", token_file, "File holding the service token (read on every use)");
    cli.add_option("--token-refresh-interval", refresh, "How often every live runner's token is minted again")
        ->capture_default_str();
    cli.add_option("--token-refresh-concurrency", refresh_concurrency, "Token mint requests in flight at most")
        ->capture_default_str();
    cli.add_option("--data-dir", data_dir, "Runners' workspaces, token files and logs")->capture_default_str();
    cli.add_option("--max-sessions", max_sessions, "Live runners at most; sessions above wait in Pending");
    cli.add_option("--stop-grace", grace, "Time between SIGTERM and SIGKILL when a runner is stopped")
        ->capture_default_str();
    cli.add_flag("--stop-runners-on-exit", config.stop_runners_on_exit,
                 "Stop every runner when the control plane stops (otherwise the next one adopts them)");
    cli.add_option("--sandbox", sandbox, "Runner isolation: bwrap, or none (development only, unsafe)")
        ->capture_default_str();
    cli.add_option("--runner-binary", runner_binary, "The ambient-runner to start (default: beside this program)");
    cli.add_option("--runner-memory", runner_memory, "Memory limit per runner (512Mi, 2Gi)")->capture_default_str();
    cli.add_option("--runner-pids", runner_pids, "Processes and threads per runner at most")->capture_default_str();
    cli.add_option("--runner-cpu", runner_cpu, "CPU time per runner: seconds or a duration (0: unlimited)")
        ->capture_default_str();
    cli.add_option("--runner-uid", runner_uid, "UID[:GID] runners run as (default when root: 65534)");
    cli.add_option("--watch-idle-timeout", watch_idle,
                   "Drop and resume a watch stream that sent nothing (not even a ping) for this long")
        ->capture_default_str();
    cli.add_option("--metrics-bindaddress", metrics_bind, "HOST:PORT of /healthz and /metrics")->capture_default_str();
    cli.add_option("--kubeconfig", kubeconfig,
                   "kubernetes: the cluster's kubeconfig (default: KUBECONFIG, else the Pod's service account)");
    cli.add_option("--runner-image", runner_image, "kubernetes: the runner Pods' image (default: RUNNER_IMAGE)");
    cli.add_option("--runner-image-pull-policy", pull_policy, "kubernetes: Always, IfNotPresent or Never");
    cli.add_flag("--leader-elect", config.leader_elect,
                 "kubernetes: elect one active replica through a coordination.k8s.io Lease");
    cli.add_option("--lease-namespace", config.lease_namespace,
                   "kubernetes: the Lease's namespace (default: POD_NAMESPACE)");
    cli.add_option("--lease-name", config.lease_name, "kubernetes: the Lease's name")->capture_default_str();
    cli.add_option("--lease-duration", lease_duration,
                   "kubernetes: how long a silent leader keeps the Lease before a standby takes it")
        ->capture_default_str();
    cli.add_option("--api-server-namespace", api_server_namespace,
                   "kubernetes: the API server's namespace, admitted to runners' port 8001 (default: POD_NAMESPACE)");

    // CLI11 wants argv-like input in reverse order when given a vector.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        cli.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        help << cli.help();
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        // CLI11's message names the option (an unknown flag, a non-number).
        throw ConfigError("command line", e.what());
    }

    config.api_server_url =
        check_url("AMBIENT_API_SERVER_URL", env_or(getenv, "AMBIENT_API_SERVER_URL", "http://localhost:8000"));
    config.backend_api_url = getenv("BACKEND_API_URL") && !getenv("BACKEND_API_URL")->empty()
                                 ? check_url("BACKEND_API_URL", *getenv("BACKEND_API_URL"))
                                 : config.api_server_url;

    if (!token_file.empty()) {
        config.api_token_file = token_file;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(config.api_token_file, ec)) {
            throw ConfigError("--api-token-file", "not a readable file: " + token_file);
        }
    } else {
        config.api_token = env_or(getenv, "AMBIENT_API_TOKEN", "");
        if (config.api_token.empty()) {
            throw ConfigError("AMBIENT_API_TOKEN", "a service token is required (or --api-token-file)");
        }
    }

    config.runner_type = env_or(getenv, "RUNNER_TYPE", "");
    if (!config.runner_type.empty()) check_one_of("RUNNER_TYPE", config.runner_type, kRunnerTypes);
    config.log_level = env_or(getenv, "LOG_LEVEL", "info");
    check_one_of("LOG_LEVEL", config.log_level, kLogLevels);

    if (runtime == "kubernetes") {
        config.runtime = RuntimeKind::Kubernetes;
        config.kubeconfig = kubeconfig;
        config.runner_image = runner_image.empty() ? env_or(getenv, "RUNNER_IMAGE", "") : runner_image;
        if (config.runner_image.empty())
            throw ConfigError("--runner-image", "the kubernetes runtime needs the runner's image (or RUNNER_IMAGE)");
        if (!pull_policy.empty()) check_one_of("--runner-image-pull-policy", pull_policy, kPullPolicies);
        config.runner_image_pull_policy = pull_policy;
        config.api_server_namespace = !api_server_namespace.empty()
                                          ? api_server_namespace
                                          : env_or(getenv, "POD_NAMESPACE", config.api_server_namespace);
        if (!config.kubeconfig.empty() && ::access(kubeconfig.c_str(), R_OK) != 0)
            throw ConfigError("--kubeconfig", "not a readable file: " + kubeconfig);
        if (config.leader_elect) {
            if (config.lease_namespace.empty()) config.lease_namespace = env_or(getenv, "POD_NAMESPACE", "");
            if (config.lease_namespace.empty())
                throw ConfigError("--lease-namespace", "--leader-elect needs the Lease's namespace (or POD_NAMESPACE)");
            config.lease_identity = env_or(getenv, "POD_NAME", "");
            if (config.lease_identity.empty()) {
                char host[256] = {};
                ::gethostname(host, sizeof host - 1);
                config.lease_identity = host;
            }
            config.lease_duration = check_duration("--lease-duration", lease_duration, false);
            if (config.lease_duration < std::chrono::seconds(2))
                throw ConfigError("--lease-duration", "must be at least 2s");
        }
    } else if (config.leader_elect) {
        throw ConfigError("--leader-elect", "needs --runtime kubernetes");
    } else if (runtime != "local") {
        throw ConfigError("--runtime", "'" + runtime.substr(0, 32) + "' is not one of local, kubernetes");
    }
    config.token_refresh_interval = check_duration("--token-refresh-interval", refresh, false);
    config.stop_grace = check_duration("--stop-grace", grace, true);
    config.watch_idle_timeout = check_duration("--watch-idle-timeout", watch_idle, false);
    if (refresh_concurrency < 1 || refresh_concurrency > 1024)
        throw ConfigError("--token-refresh-concurrency", "must be between 1 and 1024");
    config.token_refresh_concurrency = static_cast<std::size_t>(refresh_concurrency);
    if (data_dir.empty()) throw ConfigError("--data-dir", "must not be empty");
    config.data_dir = data_dir;
    if (cli.count("--max-sessions") > 0) {
        if (max_sessions < 1) throw ConfigError("--max-sessions", "must be at least 1");
        config.max_sessions = static_cast<std::size_t>(max_sessions);
    }
    check_bind(metrics_bind, config);
    check_runner_flags(sandbox, runner_binary, runner_memory, runner_pids, runner_cpu, runner_uid, config);
    return config;
}

}  // namespace ambient::controlplane
