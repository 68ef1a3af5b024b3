#include "controlplane/runtimes/local/local_runtime.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/disk_full.hpp"
#include "controlplane/runtimes/local/proc.hpp"
#include "controlplane/runner_env.hpp"
#include "controlplane/runtimes/local/runner_log.hpp"
#include "controlplane/runtimes/local/runner_record.hpp"
#include "controlplane/runtimes/local/runner_state.hpp"
#include "controlplane/runtimes/local/staging.hpp"
#include "controlplane/token_file.hpp"

namespace ambient::controlplane {
namespace fs = std::filesystem;
namespace {

constexpr auto kSupervisePeriod = std::chrono::milliseconds(100);
constexpr uid_t kNobody = 65534;
// Under the data dir; a leading dot, which no session id has (check_session_identifier).
constexpr const char* kStagingDir = ".runtime";

constexpr const char* kUnsafe =
    "UNSAFE: --sandbox none: runners run unconfined, as the control plane's own user or the runner uid, "
    "and can read each other's workspaces and token files. For development only.";

std::string memory_reason(std::uint64_t bytes) {
    return "killed: memory limit of " + std::to_string(bytes >> 20) + " MiB reached";
}

// 128+signal for a signal, as a shell reports it (and as bwrap passes its child's on).
int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

void make_dir(const fs::path& dir, mode_t mode, const std::optional<RunAs>& owner) {
    std::error_code ec;
    fs::create_directory(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    if (::chmod(dir.c_str(), mode) != 0) throw std::runtime_error("cannot chmod " + dir.string());
    if (owner && ::lchown(dir.c_str(), owner->uid, owner->gid) != 0)
        throw std::runtime_error("cannot chown " + dir.string());
}

}  // namespace

LocalRuntime::LocalRuntime(LocalRuntimeOptions options) : options_(std::move(options)) {
    if (options_.runner_user)
        run_as_ = options_.runner_user;
    else if (::geteuid() == 0)
        run_as_ = RunAs{kNobody, kNobody};
    if (run_as_ && run_as_->uid == ::geteuid() && run_as_->gid == ::getegid()) run_as_.reset();
    if (options_.sandbox == SandboxKind::Bwrap && ::access(options_.bwrap.c_str(), X_OK) != 0)
        throw std::runtime_error("--sandbox bwrap: " + options_.bwrap.string() +
                                 " is missing (scripts/install-deps installs bubblewrap)");
    // The child changes into its workspace before the exec: a relative path would miss.
    options_.runner_binary = fs::absolute(options_.runner_binary);
    if (::access(options_.runner_binary.c_str(), X_OK) != 0)
        throw std::runtime_error("runner binary " + options_.runner_binary.string() + " is not executable");
    std::error_code ec;
    fs::create_directories(options_.data_dir, ec);
    if (ec) throw std::runtime_error("cannot create " + options_.data_dir.string() + ": " + ec.message());
    options_.data_dir = fs::canonical(options_.data_dir);
    // Another uid must pass through (not list) the data dir to reach its own session.
    if (run_as_) {
        struct stat st {};
        if (::stat(options_.data_dir.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0)
            ::chmod(options_.data_dir.c_str(), (st.st_mode & 07777) | S_IXOTH);
    }
    if (run_as_) {
        // Programs under a directory the runner uid cannot pass (a private checkout) are
        // staged under the data dir, which it must reach anyway.
        const auto staging = options_.data_dir / kStagingDir;
        options_.runner_binary = stage_for(options_.runner_binary, staging, *run_as_);
        std::error_code exists_ec;
        if (!options_.claude_cli.empty() && fs::exists(options_.claude_cli, exists_ec)) {
            try {
                // A hard link only: the CLI is a quarter of a gigabyte.
                options_.claude_cli = stage_for(options_.claude_cli, staging, *run_as_, false);
            } catch (const std::exception& e) {
                spdlog::warn("the claude agent will not start in runners: {}", e.what());
            }
        }
        // The programs are reachable now (or staging threw); the data dir must be passable
        // too, and is the operator's to fix: said at start rather than in every runner's log.
        if (!passable_by(options_.data_dir, *run_as_))
            spdlog::warn(
                "runners run as uid {} but cannot pass through {} or one of its parents: they will fail "
                "to start",
                run_as_->uid, options_.data_dir.string());
    }
    // Detected even with no default limits: a session's resource_overrides may set one.
    if (options_.use_cgroups) cgroups_ = detect_cgroups();
    if (options_.sandbox == SandboxKind::None) spdlog::warn("{}", kUnsafe);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
    start_threads();
}

LocalRuntime::~LocalRuntime() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    wake();
    if (supervisor_.joinable()) supervisor_.join();
    if (readiness_.joinable()) readiness_.join();
    for (auto& [id, r] : runners_) {
        if (r->pidfd >= 0) ::close(r->pidfd);
    }
    ::close(wake_fd_);
}

void LocalRuntime::start_threads() {
    supervisor_ = std::thread([this] { supervise(); });
    readiness_ = std::thread([this] { check_readiness(); });
}

std::string LocalRuntime::describe() const {
    std::string s = std::string("sandbox ") + sandbox_name(options_.sandbox);
    if (options_.sandbox == SandboxKind::Bwrap)
        s += " (own user, PID, IPC, UTS and cgroup namespaces; no capabilities; host read-only; private /tmp; "
             "network shared)";
    else
        s += " (UNSAFE: no isolation)";
    s += run_as_ ? ", runners as uid " + std::to_string(run_as_->uid) : ", runners as our own uid";
    s += ", limits " + describe_limits(options_.limits) + " enforced by ";
    switch (cgroups_.mode) {
        case CgroupMode::V2:
            s += "a cgroup v2 group per runner (memory, pids)";
            break;
        case CgroupMode::V1:
            s += std::string("a cgroup v1 group per runner (memory") + (cgroups_.pids.empty() ? "" : ", pids") + ")";
            break;
        case CgroupMode::None:
            s += "an RSS watchdog (no writable cgroup; pids not limited)";
            break;
    }
    s += " and RLIMIT_CPU";
    return s;
}

fs::path LocalRuntime::session_dir(const std::string& id) const {
    return options_.data_dir / id;
}

void LocalRuntime::set_listener(Listener listener) {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
}

bool LocalRuntime::has_runner(const std::string& session_id) const {
    std::lock_guard lock(mutex_);
    return runners_.count(session_id) > 0;
}

std::size_t LocalRuntime::live_runners() const {
    std::lock_guard lock(mutex_);
    return runners_.size();
}

std::vector<std::string> LocalRuntime::runner_ids() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, r] : runners_)
        ids.push_back(id);
    return ids;
}

std::optional<std::string> LocalRuntime::ready_url(const std::string& session_id) const {
    std::lock_guard lock(mutex_);
    auto it = runners_.find(session_id);
    if (it == runners_.end() || !it->second->ready) return std::nullopt;
    return "http://127.0.0.1:" + std::to_string(it->second->record.port);
}

bool LocalRuntime::write_token(const std::string& session_id, const std::string& token) {
    std::lock_guard lock(mutex_);
    if (runners_.count(session_id) == 0) return false;
    std::optional<FileOwner> owner;
    if (run_as_) owner = FileOwner{run_as_->uid, run_as_->gid};
    write_token_file(session_dir(session_id) / "token" / "bot-token", token, owner);
    return true;
}

void LocalRuntime::provision(const ProvisionRequest& request) {
    const auto id = request.session.value("id", std::string());
    check_session_identifier("id", id);
    const auto overrides =
        request.session.contains("resource_overrides") && request.session["resource_overrides"].is_string()
            ? request.session["resource_overrides"].get<std::string>()
            : std::string();
    std::lock_guard lock(mutex_);
    if (closing_) throw std::runtime_error("the local runtime is shutting down");
    if (runners_.count(id) > 0) return;
    RunnerLimits limits;
    try {
        limits = apply_resource_overrides(options_.limits, overrides);
        check_session_identifier("project_id", request.session.value("project_id", std::string()));
    } catch (const std::invalid_argument& e) {
        // The session itself is wrong: retrying cannot help, so it ends as a runner that could
        // not start would (Failed, with the reason), told by the supervisor like any exit.
        RunnerExit exit{.exit_code = -1, .reason = std::string("not started: ") + e.what()};
        pending_.push_back({id, std::move(exit)});
        spdlog::warn("session {}: runner not started: {}", id, e.what());
        wake();
        return;
    }

    // Layout: the session dir and token dir are ours (a runner may not plant files there, nor
    // replace its record); the workspace and home are the runner's.
    const auto dir = session_dir(id);
    const auto workspace = dir / "workspace";
    const auto token_dir = dir / "token";
    const auto home = dir / "home";
    const mode_t ours = run_as_ ? 0711 : 0700;
    try {
        make_dir(dir, ours, std::nullopt);
        make_dir(workspace, 0700, run_as_);
        make_dir(token_dir, ours, std::nullopt);
        std::optional<FileOwner> owner;
        if (run_as_) owner = FileOwner{run_as_->uid, run_as_->gid};
        write_token_file(token_dir / "bot-token", request.token, owner);
    } catch (const std::exception& e) {
        // Named for what it is: the session fails with this reason once the reconciler's
        // attempts are spent.
        auto reason = explain_if_disk_full(options_.data_dir, e.what());
        if (reason == e.what()) throw;
        throw std::runtime_error(reason);
    }

    const auto log = dir / "runner.log";
    cap_log(log, options_.log_cap_bytes);
    std::error_code ec;
    const auto offset = fs::exists(log, ec) ? fs::file_size(log, ec) : 0;

    SandboxLayout layout;
    layout.bwrap = options_.bwrap;
    layout.runner_binary = options_.runner_binary;
    layout.claude_cli = options_.claude_cli;
    layout.data_dir = options_.data_dir;
    layout.workspace = workspace;
    layout.token_dir = token_dir;
    layout.hidden = options_.hidden_paths;
    if (options_.sandbox == SandboxKind::Bwrap) {
        layout.home = "/tmp/home";
    } else {
        make_dir(home, 0700, run_as_);
        layout.home = home;
    }

    RunnerEnvInputs inputs{.backend_api_url = options_.backend_api_url,
                           .default_runner_type = options_.default_runner_type,
                           .credential_ids = request.credential_ids,
                           .token_file = (token_dir / "bot-token").string(),
                           .workspace = workspace.string(),
                           .home = layout.home.string(),
                           .claude_cli = options_.claude_cli.string()};
    auto runner = std::make_shared<Runner>();
    runner->id = id;
    runner->log_offset = offset;
    runner->cpu = limits.cpu;
    try {
        runner->cgroup = RunnerCgroup::create(cgroups_, id, limits.memory_bytes, limits.pids);
    } catch (const std::exception& e) {
        // The RSS watchdog still holds the memory limit; a retry would fail the same way.
        spdlog::error("session {}: {}; its memory is watched by RSS instead, its pids are not limited", id, e.what());
    }

    SpawnSpec spec{.argv = runner_argv(options_.sandbox, layout),
                   .env = build_runner_env(request.session, inputs),
                   .cwd = workspace,
                   .log_file = log,
                   .cgroup_procs = runner->cgroup.procs_files(),
                   .cpu = limits.cpu,
                   .run_as = run_as_};
    if (options_.sandbox == SandboxKind::None) spdlog::warn("session {}: {}", id, kUnsafe);
    pid_t pid = 0;
    try {
        pid = spawn_runner(spec);
    } catch (...) {
        runner->cgroup.remove();
        throw;
    }
    runner->child = true;
    runner->pidfd = proc::pidfd_open(pid);
    if (runner->pidfd < 0) spdlog::warn("session {}: no pidfd for pid {}; its exit is polled instead", id, pid);
    auto& rec = runner->record;
    rec.sandbox = options_.sandbox;
    rec.pid = pid;
    rec.pid_start = proc::start_time(pid).value_or(0);
    if (options_.sandbox == SandboxKind::None) {
        rec.runner_pid = pid;
        rec.runner_start = rec.pid_start;
    }
    rec.memory_bytes = limits.memory_bytes;
    rec.cgroup_mode = runner->cgroup.mode();
    rec.cgroups = runner->cgroup.dirs();
    save_record(*runner);
    runners_[id] = runner;
    spdlog::info("session {}: runner started (pid {}, {}, {})", id, pid, sandbox_name(options_.sandbox),
                 describe_limits(limits));
    wake();
    changed_.notify_all();  // the readiness checker sleeps while nothing starts
}

void LocalRuntime::stop(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    auto it = runners_.find(session_id);
    if (it == runners_.end()) return;
    auto& r = *it->second;
    r.requested = true;
    if (!r.stopping) send_stop(r);
}

void LocalRuntime::remove(const std::string& session_id) {
    std::unique_lock lock(mutex_);
    auto it = runners_.find(session_id);
    if (it == runners_.end()) {
        check_session_identifier("id", session_id);
        remove_files(session_id);
        return;
    }
    auto& r = *it->second;
    r.requested = true;
    r.remove_after = true;
    if (!r.stopping) send_stop(r);
}

void LocalRuntime::stop_all() {
    std::unique_lock lock(mutex_);
    for (auto& [id, r] : runners_) {
        r->requested = true;
        if (!r->stopping) send_stop(*r);
    }
    changed_.wait_for(lock, options_.stop_grace + std::chrono::seconds(1), [this] { return runners_.empty(); });
}

// Locked. SIGTERM to the runner itself — not to bwrap, which does not pass signals on.
void LocalRuntime::send_stop(Runner& r) {
    r.stopping = true;
    r.kill_at = Clock::now() + options_.stop_grace;
    auto& rec = r.record;
    if (rec.sandbox == SandboxKind::Bwrap && rec.runner_pid == 0) {
        // Still starting: find bwrap's init and the runner under it, if they exist yet.
        if (rec.init_pid == 0) {
            for (pid_t c : proc::children_of(rec.pid)) {
                rec.init_pid = c;
                rec.init_start = proc::start_time(c).value_or(0);
            }
        }
        if (rec.init_pid != 0) {
            for (pid_t c : proc::children_of(rec.init_pid)) {
                rec.runner_pid = c;
                rec.runner_start = proc::start_time(c).value_or(0);
            }
        }
    }
    const bool sent = rec.runner_pid != 0 && proc::signal_if_same(rec.runner_pid, rec.runner_start, SIGTERM);
    // Nothing to stop gracefully (not started yet, or gone): end it now.
    if (!sent || options_.stop_grace.count() == 0) kill_hard(r, "");
}

// Locked. SIGKILL to everything of the runner: its cgroup, bwrap's init (which takes its PID
// namespace down with it) or, without a sandbox, its process group.
void LocalRuntime::kill_hard(Runner& r, const std::string& reason) {
    if (r.reason.empty()) r.reason = reason;
    r.killed = true;
    r.cgroup.kill_all();
    const auto& rec = r.record;
    if (rec.sandbox == SandboxKind::Bwrap) {
        if (rec.init_pid != 0) proc::signal_if_same(rec.init_pid, rec.init_start, SIGKILL);
        for (pid_t c : proc::children_of(rec.pid))
            ::kill(c, SIGKILL);
        proc::signal_if_same(rec.pid, rec.pid_start, SIGKILL);
    } else if (proc::same_process(rec.pid, rec.pid_start)) {
        ::kill(-rec.pid, SIGKILL);
    }
}

void LocalRuntime::save_record(const Runner& r) const {
    try {
        write_record(session_dir(r.id) / "runner.json", r.record);
    } catch (const std::exception& e) {
        spdlog::error("session {}: cannot write its runner record: {}", r.id, e.what());
    }
}

void LocalRuntime::remove_files(const std::string& id) const {
    std::error_code ec;
    fs::remove_all(session_dir(id), ec);
    if (ec) spdlog::error("session {}: cannot remove {}: {}", id, session_dir(id).string(), ec.message());
}

void LocalRuntime::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void LocalRuntime::notify(std::vector<Notice>& notices) {
    if (notices.empty()) return;
    Listener listener;
    {
        std::lock_guard lock(mutex_);
        listener = listener_;
    }
    for (auto& n : notices) {
        try {
            if (!n.exit && listener.ready) listener.ready(n.id);
            if (n.exit && listener.exited) listener.exited(n.id, *n.exit);
        } catch (const std::exception& e) {
            spdlog::error("session {}: the runtime's listener failed: {}", n.id, e.what());
        }
    }
    notices.clear();
}

// Locked. The runner's main process has ended: collect its status, end what is left of its
// sandbox, and tell why.
void LocalRuntime::handle_exit(const std::shared_ptr<Runner>& r, std::vector<Notice>& notices) {
    const auto& rec = r->record;
    int code = -1;
    if (r->child) {
        int status = 0;
        if (::waitpid(rec.pid, &status, WNOHANG) == rec.pid) code = decode_status(status);
    }
    if (r->pidfd >= 0) ::close(r->pidfd);
    r->pidfd = -1;
    // bwrap's init outlives the runner while a process of the sandbox does.
    if (rec.sandbox == SandboxKind::Bwrap && rec.init_pid != 0)
        proc::signal_if_same(rec.init_pid, rec.init_start, SIGKILL);
    else if (rec.sandbox == SandboxKind::None)
        ::kill(-rec.pid, SIGKILL);
    const bool oom = r->cgroup.active() && r->cgroup.oom_kills() > 0;
    if (r->cgroup.active()) {
        r->cgroup.kill_all();
        r->cgroup.remove_when_empty(std::chrono::milliseconds(200));
    }

    RunnerExit exit;
    exit.exit_code = code;
    exit.requested = r->requested;
    if (!r->reason.empty())
        exit.reason = r->reason;
    else if (oom)
        exit.reason = memory_reason(rec.memory_bytes);
    else if (code == 128 + SIGXCPU && r->cpu.count() > 0)
        exit.reason = "killed: CPU time limit of " + std::to_string(r->cpu.count()) + " s reached";
    else if (code < 0)
        exit.reason = "exit status unknown (adopted runner)";
    else if (r->requested)
        exit.reason = "stopped (exit status " + std::to_string(code) + ")";
    else
        exit.reason = "exit status " + std::to_string(code);
    exit.last_log_lines = last_log_lines(session_dir(r->id) / "runner.log");

    std::error_code ec;
    fs::remove(session_dir(r->id) / "runner.json", ec);
    if (r->remove_after) remove_files(r->id);
    spdlog::info("session {}: runner ended: {}", r->id, exit.reason);
    runners_.erase(r->id);
    notices.push_back({r->id, std::move(exit)});
}

void LocalRuntime::supervise() {
    std::vector<Notice> notices;
    auto last_slow = Clock::now();
    for (;;) {
        std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
        std::vector<std::shared_ptr<Runner>> polled;
        {
            std::lock_guard lock(mutex_);
            if (closing_) return;
            for (auto& [id, r] : runners_) {
                if (r->pidfd < 0) continue;
                fds.push_back({r->pidfd, POLLIN, 0});
                polled.push_back(r);
            }
        }
        ::poll(fds.data(), fds.size(), static_cast<int>(kSupervisePeriod.count()));
        std::uint64_t drained = 0;
        [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);

        // Without a cgroup, memory is watched by summing the sandbox's RSS (outside the lock:
        // it reads all of /proc).
        std::vector<std::shared_ptr<Runner>> over_memory;
        const bool slow_tick = Clock::now() - last_slow >= std::chrono::milliseconds(200);
        if (slow_tick) {
            last_slow = Clock::now();
            for (auto& r : polled) {
                const auto& rec = r->record;
                if (!r->cgroup.active() && rec.memory_bytes != 0 && proc::tree_rss(rec.pid) >= rec.memory_bytes)
                    over_memory.push_back(r);
            }
        }
        {
            std::lock_guard lock(mutex_);
            for (std::size_t i = 1; i < fds.size(); ++i) {
                auto& r = polled[i - 1];
                auto it = runners_.find(r->id);
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && it != runners_.end() && it->second == r)
                    handle_exit(r, notices);
            }
            // Without a pidfd (pidfd_open failed), an exit is noticed by the pid's absence.
            std::vector<std::shared_ptr<Runner>> gone;
            for (auto& [id, r] : runners_) {
                if (r->pidfd < 0 && !proc::same_process(r->record.pid, r->record.pid_start)) gone.push_back(r);
            }
            for (auto& r : gone)
                handle_exit(r, notices);
            const auto now = Clock::now();
            for (auto& [id, r] : runners_) {
                if (r->stopping && !r->killed && now >= r->kill_at) kill_hard(*r, "");
                if (!r->killed && r->cgroup.active() && r->record.memory_bytes != 0 && r->cgroup.oom_kills() > 0) {
                    // One OOM kill inside ends the whole runner: a runner that lost its agent
                    // to the limit is no longer a working session.
                    kill_hard(*r, memory_reason(r->record.memory_bytes));
                }
                if (slow_tick) cap_log(session_dir(id) / "runner.log", options_.log_cap_bytes);
            }
            for (auto& r : over_memory) {
                auto it = runners_.find(r->id);
                if (it != runners_.end() && it->second == r && !r->killed)
                    kill_hard(*r, memory_reason(r->record.memory_bytes));
            }
        }
        {
            std::lock_guard lock(mutex_);
            for (auto& p : pending_)
                notices.push_back(std::move(p));
            pending_.clear();
        }
        if (!notices.empty()) changed_.notify_all();
        notify(notices);
    }
}

}  // namespace ambient::controlplane
