// LocalRuntime::adopt: taking back, after a restart, the runners a previous control plane left.
#include <signal.h>

#include <spdlog/spdlog.h>

#include "controlplane/runtimes/local/local_runtime.hpp"
#include "controlplane/runtimes/local/proc.hpp"
#include "controlplane/runner_env.hpp"
#include "controlplane/runtimes/local/runner_state.hpp"

namespace ambient::controlplane {
namespace fs = std::filesystem;

std::vector<std::string> LocalRuntime::adopt() {
    std::vector<std::string> adopted;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(options_.data_dir, ec)) {
        const auto id = entry.path().filename().string();
        const auto record_path = entry.path() / "runner.json";
        if (!entry.is_directory()) continue;
        try {
            check_session_identifier("id", id);
        } catch (const SessionSpecError&) {
            continue;
        }
        if (!fs::exists(record_path)) {
            // A group left by a control plane that died before it could remove it.
            RunnerCgroup::named(cgroups_, id).remove();
            continue;
        }
        const auto rec = read_record(record_path);
        if (!rec) {
            spdlog::warn("session {}: unreadable runner record, removed", id);
            fs::remove(record_path, ec);
            continue;
        }
        const bool alive = proc::same_process(rec->pid, rec->pid_start) &&
                           (rec->runner_pid == 0 || proc::same_process(rec->runner_pid, rec->runner_start));
        int pidfd = -1;
        if (alive && rec->port != 0 && rec->runner_pid != 0 && health_answers(rec->port))
            pidfd = proc::pidfd_open(rec->pid);
        // The start time again: the pidfd must name the process we checked.
        if (pidfd >= 0 && proc::same_process(rec->pid, rec->pid_start)) {
            auto r = std::make_shared<Runner>();
            r->id = id;
            r->record = *rec;
            r->pidfd = pidfd;
            r->ready = true;
            r->cgroup = RunnerCgroup::existing(rec->cgroup_mode, rec->cgroups);
            std::lock_guard lock(mutex_);
            runners_[id] = r;
            adopted.push_back(id);
            spdlog::info("session {}: runner adopted (pid {}, port {})", id, rec->pid, rec->port);
            continue;
        }
        if (pidfd >= 0) ::close(pidfd);
        // Not adoptable: end whatever is left of it (only processes that are provably its),
        // so that a provision() starts it afresh in the same workspace.
        Runner r;
        r.id = id;
        r.record = *rec;
        r.cgroup = RunnerCgroup::existing(rec->cgroup_mode, rec->cgroups);
        if (proc::same_process(rec->pid, rec->pid_start) || proc::same_process(rec->init_pid, rec->init_start))
            kill_hard(r, "");
        else
            r.cgroup.kill_all();
        r.cgroup.remove_when_empty(std::chrono::milliseconds(500));
        RunnerCgroup::named(cgroups_, id).remove();
        fs::remove(record_path, ec);
        spdlog::info("session {}: recorded runner not adoptable ({}), cleaned up", id,
                     alive ? "no /health answer" : "gone");
    }
    wake();
    return adopted;
}

}  // namespace ambient::controlplane
