#pragma once
// Issue 11's end-to-end tier: the real ambient-api-server (SQLite, its own data dir), the real
// ambient-control-plane (its own data dir, bwrap sandbox by default) and the real
// ambient-runner processes it starts, all on 127.0.0.1 and port 0. A test calls start() with
// the flags it needs, creates projects, agents, credentials and sessions through the API as a
// user of the platform would, and looks at what the control plane keeps per session
// (<data-dir>/<id>/: workspace/, token/bot-token, runner.log, runner.json) from outside.
//
// Sessions run the `command` agent: RUNNER_COMMAND is `/bin/sh -c <script>`, the user's
// message on its stdin, its stdout the assistant's answer (docs/runner.md).
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/api_fixture.hpp"
#include "support/fault_proxy.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace ambient::testing::e2e {

using namespace std::chrono_literals;

struct E2eOptions {
    Backend backend = Backend::Sqlite;  // the API server's database
    std::vector<std::string> api_args;  // extra flags of ambient-api-server (e.g. --runner-token-ttl 20s)
    std::vector<std::string> cp_args;   // extra flags of ambient-control-plane
    std::string token_refresh_interval = "5s";
    std::string sandbox = "bwrap";
    std::string stop_grace = "2s";
    // The control plane reaches the API server through a FaultProxy (proxy()); runners
    // still talk to the API server directly (BACKEND_API_URL).
    bool through_fault_proxy = false;
};

struct Message {
    std::int64_t seq = 0;
    std::string event_type;
    std::string payload;
};

// One AG-UI event read from GET /sessions/{id}/events.
struct AguiEvent {
    std::string id;  // the SSE id (the runner's event counter)
    std::string type;
    nlohmann::json data;
    std::string raw;  // the data line as received
};

class E2eTest : public ::testing::Test {
protected:
    void TearDown() override;

    // Starts the API server, the proxy when asked, and the control plane; waits for /healthz.
    void start(E2eOptions options = {});

    // --- the processes
    HttpClient& api() { return *http_; }
    ApiServer& api_server() { return *api_; }
    // SIGTERM to the API server; once it exited (its status returned, and how long the drain
    // took) and `down` passed, a new one starts on the same port and database, with the same
    // flags: runners and the control plane keep their URL.
    struct Restart {
        int exit_status = -1;
        std::chrono::milliseconds drained{0};
    };
    Restart restart_api_server(std::chrono::milliseconds down = 0ms);
    std::string api_url() const;
    ServerProcess& control_plane() { return *cp_; }
    FaultProxy& proxy() { return *proxy_; }
    // Starts (again) the control plane with the same data dir and flags; returns once it
    // printed its port, after /healthz answered 200 when `wait_healthy`.
    void start_control_plane(bool wait_healthy = true);
    void wait_until_healthy();
    // SIGKILL, as a crash: the runners it started stay.
    void kill_control_plane();
    // The logs of every control plane this test started, oldest first.
    std::string control_plane_logs() const;
    HttpResult metrics(const std::string& path);
    const std::filesystem::path& sessions_dir() const { return sessions_dir_; }

    // --- objects, through the API as the service
    void create_project(const std::string& name);
    std::string create_agent(const std::string& project, const std::string& name);
    std::string create_credential(const std::string& project, const std::string& provider, const std::string& token);
    // credential:token-reader on the credential for the agent's sessions (docs/access.md).
    void grant_to_agent(const std::string& credential, const std::string& project, const std::string& agent);
    // A session running `script` in the command agent; its id. `env` is added to its
    // environment_variables.
    std::string create_session(const std::string& project, const std::string& script, const std::string& agent = "",
                               const std::map<std::string, std::string>& env = {});
    void start_session(const std::string& id);
    // create_session + start_session + wait for Running.
    std::string run_session(const std::string& project, const std::string& script, const std::string& agent = "");
    nlohmann::json session(const std::string& id);
    // Waits until the session's phase is `phase`; the session then. Fails the test (and
    // says what it saw) at the deadline.
    nlohmann::json wait_for_phase(const std::string& id, const std::string& phase,
                                  std::chrono::milliseconds deadline = 60s);

    // --- the conversation
    std::int64_t say(const std::string& id, const std::string& text);
    std::vector<Message> messages(const std::string& id);
    // Waits for the run_finished lifecycle of `user_seq`; returns its payload (null at the
    // deadline, after a failure that shows the messages and the runner's log).
    nlohmann::json wait_for_turn(const std::string& id, std::int64_t user_seq,
                                 std::chrono::milliseconds deadline = 30s);
    // The assistant messages written after `user_seq`, joined.
    std::string answer_to(const std::string& id, std::int64_t user_seq);
    // say() then wait_for_turn(); the answer. Fails the test when the turn did not complete.
    std::string ask(const std::string& id, const std::string& text, std::chrono::milliseconds deadline = 30s);

    // --- live events, through the API server's proxy
    std::unique_ptr<SseReader> open_events(const std::string& id, const std::string& last_event_id = "");
    // Reads events until `done` holds for the last one read; everything read (also at the deadline).
    std::vector<AguiEvent> read_events(SseReader& reader, const std::function<bool(const AguiEvent&)>& done,
                                       std::chrono::milliseconds deadline = 30s);

    // --- what the control plane keeps for a session
    std::filesystem::path session_dir(const std::string& id) const { return sessions_dir_ / id; }
    std::filesystem::path token_file(const std::string& id) const { return session_dir(id) / "token" / "bot-token"; }
    std::filesystem::path workspace(const std::string& id) const { return session_dir(id) / "workspace"; }
    std::string runner_log(const std::string& id) const;
    std::string read_token(const std::string& id) const;
    // The token file's inode: a rewrite (a new file renamed over the old) changes it even
    // when the token happens to be the same.
    std::uint64_t token_inode(const std::string& id) const;
    // The pid in runner.json, if any.
    std::optional<pid_t> recorded_pid(const std::string& id) const;
    // The ambient-runner processes serving the session (found in /proc by their environment).
    std::vector<pid_t> runner_processes(const std::string& id) const;

    // Polls `condition` every 50 ms until it holds; false at the deadline.
    static bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

private:
    void kill_leftover_processes();

    E2eOptions options_;
    std::unique_ptr<ApiServer> api_;
    std::vector<std::unique_ptr<ApiServer>> stopped_apis_;  // they own the data dir the new one uses
    std::optional<HttpClient> http_;
    std::unique_ptr<FaultProxy> proxy_;
    TempDir root_;
    std::filesystem::path sessions_dir_;
    std::unique_ptr<ServerProcess> cp_;
    std::string previous_cp_logs_;
};

// The session's `environment_variables` text choosing the command agent with `script`.
std::string command_agent_env(const std::string& script, const std::map<std::string, std::string>& extra = {});
bool has_upper_case(const std::string& s);
std::string base64(const std::string& s);
// Every message, event and log text a test collected, with a label each, for a search.
struct Haystack {
    std::vector<std::pair<std::string, std::string>> texts;
    void add(std::string label, std::string text) { texts.emplace_back(std::move(label), std::move(text)); }
    // The labels of the texts containing `needle`.
    std::vector<std::string> find(const std::string& needle) const;
};

// A token with GitHub's personal-token shape and a random body, unique to the run so that a
// match in a log can only be a leak.
std::string random_github_token();

}  // namespace ambient::testing::e2e
