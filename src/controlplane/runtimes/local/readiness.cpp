// LocalRuntime's readiness checker: a starting runner's listening line, then its /health.
#include <spdlog/spdlog.h>

#include "common/client/http_client.hpp"
#include "controlplane/runtimes/local/proc.hpp"
#include "controlplane/runtimes/local/runner_log.hpp"
#include "controlplane/runtimes/local/runner_state.hpp"

namespace ambient::controlplane {
namespace {

// A runner is usually ready within tens of milliseconds of its spawn, and the session's
// start waits on this check: a young runner is checked every few milliseconds, one that is
// slow to start (e.g. under load) less often.
constexpr auto kYoungPeriod = std::chrono::milliseconds(3);
constexpr auto kYoungFor = std::chrono::seconds(2);
constexpr auto kSlowPeriod = std::chrono::milliseconds(50);

}  // namespace

bool health_answers(std::uint16_t port) {
    try {
        const client::HttpClient http(
            "http://127.0.0.1:" + std::to_string(port),
            {.connect_timeout = std::chrono::milliseconds(300), .request_timeout = std::chrono::milliseconds(1000)});
        return http.request("GET", "/health").status == 200;
    } catch (const std::exception&) {
        return false;
    }
}

void LocalRuntime::check_readiness() {
    std::vector<Notice> notices;
    for (;;) {
        std::vector<std::shared_ptr<Runner>> starting;
        {
            std::unique_lock lock(mutex_);
            // Nothing starting: sleep until provision() or the destructor says otherwise.
            const auto any_starting = [this] {
                for (const auto& [id, r] : runners_) {
                    if (!r->ready && !r->stopping) return true;
                }
                return false;
            };
            changed_.wait(lock, [&] { return closing_ || any_starting(); });
            if (closing_) return;
            bool young = false;
            for (auto& [id, r] : runners_) {
                if (r->ready || r->stopping) continue;
                starting.push_back(r);
                young = young || Clock::now() - r->started < kYoungFor;
            }
            changed_.wait_for(lock, young ? kYoungPeriod : kSlowPeriod, [this] { return closing_; });
            if (closing_) return;
        }
        for (auto& r : starting) {
            std::uint16_t port = 0;
            {
                std::lock_guard lock(mutex_);
                port = r->record.port;
            }
            {
                // bwrap's init, as soon as it exists: if the runner ends before it listens,
                // what it left in its PID namespace must still be killed.
                std::lock_guard lock(mutex_);
                auto& rec = r->record;
                if (rec.sandbox == SandboxKind::Bwrap && rec.init_pid == 0) {
                    for (pid_t c : proc::children_of(rec.pid)) {
                        rec.init_pid = c;
                        rec.init_start = proc::start_time(c).value_or(0);
                    }
                    if (rec.init_pid != 0) save_record(*r);
                }
            }
            if (port == 0) {
                const auto found = find_listening_port(session_dir(r->id) / "runner.log", r->log_offset);
                if (found) {
                    std::lock_guard lock(mutex_);
                    auto& rec = r->record;
                    rec.port = *found;
                    if (rec.sandbox == SandboxKind::Bwrap) {
                        // The runner has started, so bwrap's init and the runner under it exist.
                        for (pid_t c : proc::children_of(rec.pid)) {
                            rec.init_pid = c;
                            rec.init_start = proc::start_time(c).value_or(0);
                        }
                        for (pid_t c : proc::children_of(rec.init_pid)) {
                            rec.runner_pid = c;
                            rec.runner_start = proc::start_time(c).value_or(0);
                        }
                    }
                    save_record(*r);
                    port = *found;
                }
            }
            const bool healthy = port != 0 && health_answers(port);
            std::lock_guard lock(mutex_);
            auto it = runners_.find(r->id);
            if (it == runners_.end() || it->second != r || r->stopping || r->killed) continue;
            if (healthy) {
                r->ready = true;
                notices.push_back({r->id, std::nullopt});
            } else if (Clock::now() - r->started > options_.ready_timeout) {
                const auto ms = options_.ready_timeout.count();
                kill_hard(*r, "not ready within " + std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) +
                                  " s (no /health answer)");
            }
        }
        notify(notices);
    }
}

}  // namespace ambient::controlplane
