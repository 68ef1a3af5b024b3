#pragma once
// The local runtime against real processes: the real ambient-runner (RUNNER_TYPE=echo) and
// small shell scripts standing in for it to probe the sandbox from inside. Every wait has a
// deadline and waits for a condition, never for time to pass.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controlplane/runtimes/local/local_runtime.hpp"
#include "support/server_process.hpp"

namespace ambient::controlplane::testing {

// What the runtime told its listener.
class Recorder {
public:
    Runtime::Listener listener() {
        return {.ready =
                    [this](const std::string& id) {
                        std::lock_guard lock(mutex_);
                        ready_.insert(id);
                        changed_.notify_all();
                    },
                .exited =
                    [this](const std::string& id, const RunnerExit& exit) {
                        std::lock_guard lock(mutex_);
                        exits_[id] = exit;
                        changed_.notify_all();
                    }};
    }
    bool wait_ready(const std::string& id, std::chrono::seconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, deadline, [&] { return ready_.count(id) > 0; });
    }
    std::optional<RunnerExit> wait_exit(const std::string& id,
                                        std::chrono::seconds deadline = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, deadline, [&] { return exits_.count(id) > 0; })) return std::nullopt;
        return exits_[id];
    }
    bool is_ready(const std::string& id) {
        std::lock_guard lock(mutex_);
        return ready_.count(id) > 0;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::set<std::string> ready_;
    std::map<std::string, RunnerExit> exits_;
};

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Polls `condition` until it holds or `deadline` passes.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

class LocalRuntimeTest : public ::testing::Test {
protected:
    LocalRuntimeTest() {
        std::filesystem::permissions(tmp_.path(), std::filesystem::perms(0755));
        data_dir_ = tmp_.path() / "data";
        bin_dir_ = tmp_.path() / "bin";
        std::filesystem::create_directories(bin_dir_);
    }

    LocalRuntimeOptions options(SandboxKind sandbox, const std::filesystem::path& binary) const {
        LocalRuntimeOptions o;
        o.data_dir = data_dir_;
        o.runner_binary = binary;
        // Nothing listens there: the echo runner serves /health all the same.
        o.backend_api_url = "http://127.0.0.1:9";
        o.default_runner_type = "echo";
        o.sandbox = sandbox;
        o.stop_grace = std::chrono::seconds(10);
        o.limits = {.memory_bytes = 1ull << 30, .pids = 256, .cpu = std::chrono::seconds(0)};
        o.ready_timeout = std::chrono::seconds(15);
        return o;
    }

    // The runtimes live until the test ends, then stop their runners (a runtime's destructor
    // leaves them running, by design).
    LocalRuntime& make(const LocalRuntimeOptions& o) {
        runtimes_.push_back(std::make_unique<LocalRuntime>(o));
        runtimes_.back()->set_listener(recorder_.listener());
        return *runtimes_.back();
    }
    void TearDown() override {
        for (auto& rt : runtimes_) {
            if (rt) rt->stop_all();
        }
        runtimes_.clear();
    }

    static std::filesystem::path runner_binary() { return ambient::testing::binary_dir() / "ambient-runner"; }

    // A shell script standing in for the runner, readable and runnable by the runner uid.
    std::filesystem::path script(const std::string& name, const std::string& body) const {
        const auto path = bin_dir_ / name;
        std::ofstream(path) << "#!/bin/sh\n" << body;
        ::chmod(path.c_str(), 0755);
        return path;
    }

    static nlohmann::json session(const std::string& id, const nlohmann::json& env = nlohmann::json::object(),
                                  const std::string& overrides = "") {
        nlohmann::json s = {{"id", id}, {"project_id", "proj"}, {"environment_variables", env.dump()}};
        if (!overrides.empty()) s["resource_overrides"] = overrides;
        return s;
    }

    std::filesystem::path log_of(const std::string& id) const { return data_dir_ / id / "runner.log"; }

    bool log_has(const std::string& id, const std::string& text) const {
        return read_text(log_of(id)).find(text) != std::string::npos;
    }

    ambient::testing::TempDir tmp_;
    std::filesystem::path data_dir_;
    std::filesystem::path bin_dir_;
    Recorder recorder_;
    std::vector<std::unique_ptr<LocalRuntime>> runtimes_;
};

}  // namespace ambient::controlplane::testing
