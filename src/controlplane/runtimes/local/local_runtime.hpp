#pragma once
// The local runtime: one ambient-runner child process per session, in a bubblewrap sandbox
// (or none, for development), with its own workspace, token file, log and loopback AG-UI
// port under <data-dir>/<session id>/. Runners outlive the control plane: a later one adopts
// them from their records (runner.json). See docs/control-plane.md, "Local runtime".
//
// Threads: a supervisor (exits, stop deadlines, memory watchdog, log caps) and a readiness
// checker (listening line, then GET /health). Both call the listener, never under the lock.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/runtime.hpp"
#include "controlplane/runtimes/local/cgroup.hpp"
#include "controlplane/runtimes/local/limits.hpp"
#include "controlplane/runtimes/local/sandbox.hpp"
#include "controlplane/runtimes/local/spawner.hpp"

namespace ambient::controlplane {

struct ControlPlaneConfig;

struct LocalRuntimeOptions {
    std::filesystem::path data_dir;
    std::filesystem::path runner_binary;  // ambient-runner
    // The Claude Code CLI the runners' claude agent runs (CLAUDE_CLI, unless a session sets
    // it); empty: the runner's own default.
    std::filesystem::path claude_cli;
    std::string backend_api_url;      // BACKEND_API_URL given to runners
    std::string default_runner_type;  // RUNNER_TYPE when the session names none ("" = runner default)
    SandboxKind sandbox = SandboxKind::Bwrap;
    std::chrono::milliseconds stop_grace{10000};
    RunnerLimits limits;  // defaults; a session's resource_overrides win
    std::chrono::milliseconds ready_timeout{10000};
    std::size_t log_cap_bytes = 4u << 20;
    // The uid/gid runners run as. Unset: 65534:65534 (nobody) when we are root, else our own.
    std::optional<RunAs> runner_user;
    // Host files a sandboxed runner must not read even when it runs as our uid (the service
    // token file).
    std::vector<std::filesystem::path> hidden_paths;
    std::filesystem::path bwrap = "/usr/bin/bwrap";
    // False: no cgroups even where they are writable — memory is then watched by summing the
    // runner's RSS (the fallback for hosts without a writable cgroup; tests use it).
    bool use_cgroups = true;
};

class LocalRuntime final : public Runtime {
public:
    explicit LocalRuntime(LocalRuntimeOptions options);
    // Does not stop runners: they outlive us, to be adopted by the next control plane.
    ~LocalRuntime() override;
    LocalRuntime(const LocalRuntime&) = delete;
    LocalRuntime& operator=(const LocalRuntime&) = delete;

    void set_listener(Listener listener) override;
    std::vector<std::string> adopt() override;
    bool has_runner(const std::string& session_id) const override;
    std::size_t live_runners() const override;
    std::vector<std::string> runner_ids() const override;
    void provision(const ProvisionRequest& request) override;
    std::optional<std::string> ready_url(const std::string& session_id) const override;
    bool write_token(const std::string& session_id, const std::string& token) override;
    void stop(const std::string& session_id) override;
    void remove(const std::string& session_id) override;

    // Stops every runner (SIGTERM, SIGKILL after the grace) and returns once all are gone or
    // the grace plus a second has passed. For a shutdown that must not leave runners behind.
    void stop_all();

    // One line for the start log: the sandbox, the runner uid and how limits are enforced.
    std::string describe() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Runner;  // one session's process (runner_state.hpp)
    struct Notice;  // a readiness or an exit to tell the listener

    std::filesystem::path session_dir(const std::string& id) const;
    void start_threads();
    void supervise();
    void check_readiness();
    void send_stop(Runner& r);
    void kill_hard(Runner& r, const std::string& reason);
    void handle_exit(const std::shared_ptr<Runner>& r, std::vector<Notice>& notices);
    void save_record(const Runner& r) const;
    void remove_files(const std::string& id) const;
    void notify(std::vector<Notice>& notices);
    void wake();

    LocalRuntimeOptions options_;
    CgroupRoots cgroups_;
    std::optional<RunAs> run_as_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::shared_ptr<Runner>> runners_;
    std::vector<Notice> pending_;  // exits of runners that could not start, for the supervisor to tell
    Listener listener_;
    bool closing_ = false;
    int wake_fd_ = -1;
    std::thread supervisor_;
    std::thread readiness_;
};

// From the configuration (--sandbox, --runner-binary, --runner-memory, --runner-pids,
// --runner-cpu, --runner-uid, --stop-grace, --data-dir, RUNNER_TYPE, BACKEND_API_URL).
LocalRuntimeOptions local_runtime_options(const ControlPlaneConfig& config);

}  // namespace ambient::controlplane
