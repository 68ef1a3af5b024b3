#include "e2e/e2e_fixture.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "api/builtin_roles.hpp"

namespace ambient::testing::e2e {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kApi = "/api/ambient/v1";

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The last `n` lines of a text, for failure messages that stay readable.
std::string tail(const std::string& text, std::size_t n) {
    std::size_t pos = text.size();
    for (std::size_t lines = 0; pos > 0 && lines <= n; --pos) {
        if (text[pos - 1] == '\n') ++lines;
    }
    return pos == 0 ? text : "…\n" + text.substr(pos + 1);
}

std::vector<pid_t> proc_pids() {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
}

std::string proc_text(pid_t pid, const char* what) {
    return slurp(std::filesystem::path("/proc") / std::to_string(pid) / what);
}

// NUL-separated entries (environ, cmdline) as a list.
std::vector<std::string> split_nul(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\0', pos);
        out.push_back(text.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

}  // namespace

std::string command_agent_env(const std::string& script, const std::map<std::string, std::string>& extra) {
    json env = {{"RUNNER_TYPE", "command"}, {"RUNNER_COMMAND", json::array({"/bin/sh", "-c", script}).dump()}};
    for (const auto& [k, v] : extra)
        env[k] = v;
    return env.dump();
}

bool has_upper_case(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

std::string base64(const std::string& s) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                           static_cast<unsigned char>(s[i + 2]);
        for (int shift : {18, 12, 6, 0})
            out += kAlphabet[(v >> shift) & 63];
    }
    if (const auto left = s.size() - i; left > 0) {
        unsigned v = static_cast<unsigned char>(s[i]) << 16;
        if (left == 2) v |= static_cast<unsigned char>(s[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::vector<std::string> Haystack::find(const std::string& needle) const {
    std::vector<std::string> labels;
    for (const auto& [label, text] : texts)
        if (text.find(needle) != std::string::npos) labels.push_back(label);
    return labels;
}

bool E2eTest::eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(50ms);
    }
}

void E2eTest::start(E2eOptions options) {
    options_ = std::move(options);
    api_ = std::make_unique<ApiServer>(options_.backend, options_.api_args);
    http_.emplace(api_->client());
    if (options_.through_fault_proxy)
        proxy_ = std::make_unique<FaultProxy>(api_->process().host(), api_->process().port());
    sessions_dir_ = root_.path() / "sessions";
    std::filesystem::create_directories(sessions_dir_);
    start_control_plane();
}

E2eTest::Restart E2eTest::restart_api_server(std::chrono::milliseconds down) {
    Restart restart;
    const auto port = api_->process().port();
    const auto began = Clock::now();
    restart.exit_status = api_->process().stop(30s);
    restart.drained = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
    std::this_thread::sleep_for(down);
    auto args = options_.api_args;
    args.push_back("--api-server-bindaddress");
    args.push_back("127.0.0.1:" + std::to_string(port));
    auto next = std::make_unique<ApiServer>(SharedDatabase{*api_}, args);
    stopped_apis_.push_back(std::move(api_));
    api_ = std::move(next);
    http_.emplace(api_->client());
    return restart;
}

std::string E2eTest::api_url() const {
    return "http://127.0.0.1:" + std::to_string(api_->process().port());
}

void E2eTest::start_control_plane(bool wait_healthy) {
    const std::vector<std::pair<std::string, std::string>> flags = {
        {"--data-dir", sessions_dir_.string()},
        {"--metrics-bindaddress", "127.0.0.1:0"},
        {"--token-refresh-interval", options_.token_refresh_interval},
        {"--sandbox", options_.sandbox},
        {"--stop-grace", options_.stop_grace},
    };
    std::vector<std::string> args;
    for (const auto& [flag, value] : flags) {
        args.push_back(flag);
        args.push_back(value);
    }
    args.insert(args.end(), options_.cp_args.begin(), options_.cp_args.end());
    const std::vector<std::string> env = {
        "AMBIENT_API_SERVER_URL=" + (proxy_ ? proxy_->base_url() : api_url()),
        std::string("AMBIENT_API_TOKEN=") + kTestToken,
        "BACKEND_API_URL=" + api_url(),
        "LOG_LEVEL=debug",
    };
    cp_ = std::make_unique<ServerProcess>(binary_dir() / "ambient-control-plane", args, env);
    if (wait_healthy) wait_until_healthy();
}

void E2eTest::wait_until_healthy() {
    const bool healthy = eventually(
        [&] {
            try {
                return metrics("/healthz").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        30s);
    ASSERT_TRUE(healthy) << "control plane never healthy; log:\n" << tail(control_plane_logs(), 60);
}

void E2eTest::kill_control_plane() {
    ::kill(cp_->pid(), SIGKILL);
    cp_->stop();  // reaps it
    previous_cp_logs_ += cp_->output() + cp_->log() + "\n--- (killed) ---\n";
    cp_.reset();
}

std::string E2eTest::control_plane_logs() const {
    // Its log goes to stderr; stdout (the listening line) is kept too, so that a search of
    // "everything the control plane said" misses nothing.
    return previous_cp_logs_ + (cp_ ? cp_->output() + cp_->log() : "");
}

HttpResult E2eTest::metrics(const std::string& path) {
    HttpClient c(cp_->host(), cp_->port());
    c.set_timeout(5s);
    return c.get(path);
}

void E2eTest::TearDown() {
    // E2E_DUMP_LOGS=1 shows the logs of passing tests too, to look for warnings.
    if (HasFailure() || std::getenv("E2E_DUMP_LOGS") != nullptr) {
        std::string runner_logs;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(sessions_dir_, ec))
            runner_logs += "--- " + entry.path().filename().string() + "/runner.log\n" +
                           tail(slurp(entry.path() / "runner.log"), HasFailure() ? 30 : 1000) + "\n";
        std::cerr << "=== control plane log (tail)\n"
                  << tail(control_plane_logs(), HasFailure() ? 80 : 5000) << "\n=== API server log (tail)\n"
                  << tail(api_ ? api_->process().log() : "", HasFailure() ? 20 : 5000) << "\n=== runner logs\n"
                  << runner_logs;
    }
    if (cp_) {
        cp_->stop(10s);
        previous_cp_logs_ += cp_->output() + cp_->log();
        cp_.reset();
    }
    kill_leftover_processes();
    proxy_.reset();
    http_.reset();
    api_.reset();
}

void E2eTest::kill_leftover_processes() {
    if (sessions_dir_.empty()) return;
    // The control plane leaves runners running on purpose (they must survive its restart):
    // everything that still names this test's data dir — bwrap, runners, their agents — is
    // ours to end.
    const auto marker = sessions_dir_.string();
    eventually(
        [&] {
            bool found = false;
            for (const pid_t pid : proc_pids()) {
                if (pid == ::getpid()) continue;
                const auto text = proc_text(pid, "environ") + proc_text(pid, "cmdline");
                if (text.find(marker) == std::string::npos) continue;
                found = true;
                ::kill(pid, SIGKILL);
            }
            return !found;
        },
        5s);
}

void E2eTest::create_project(const std::string& name) {
    auto r = api().post(std::string(kApi) + "/projects", json{{"name", name}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
}

std::string E2eTest::create_agent(const std::string& project, const std::string& name) {
    auto r = api().post(std::string(kApi) + "/projects/" + project + "/agents", json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
}

std::string E2eTest::create_credential(const std::string& project, const std::string& provider,
                                       const std::string& token) {
    auto r = api().post(std::string(kApi) + "/projects/" + project + "/credentials",
                        json{{"name", provider + "-cred"}, {"provider", provider}, {"token", token}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
}

void E2eTest::grant_to_agent(const std::string& credential, const std::string& project, const std::string& agent) {
    const json binding = {{"role_id", api::builtin_role_id("credential:token-reader")},
                          {"scope", "credential"},
                          {"credential_id", credential},
                          {"project_id", project},
                          {"agent_id", agent}};
    auto r = api().post(std::string(kApi) + "/role_bindings", binding.dump());
    ASSERT_EQ(r.status, 201) << r.body;
}

std::string E2eTest::create_session(const std::string& project, const std::string& script, const std::string& agent,
                                    const std::map<std::string, std::string>& env) {
    static int counter = 0;
    json body = {{"name", "e2e-" + std::to_string(++counter)},
                 {"project_id", project},
                 {"environment_variables", command_agent_env(script, env)}};
    if (!agent.empty()) body["agent_id"] = agent;
    auto r = api().post(std::string(kApi) + "/sessions", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
}

void E2eTest::start_session(const std::string& id) {
    auto r = api().post(std::string(kApi) + "/sessions/" + id + "/start", "");
    ASSERT_EQ(r.status, 200) << r.body;
}

std::string E2eTest::run_session(const std::string& project, const std::string& script, const std::string& agent) {
    const auto id = create_session(project, script, agent);
    start_session(id);
    wait_for_phase(id, "Running");
    return id;
}

json E2eTest::session(const std::string& id) {
    auto r = api().get(std::string(kApi) + "/sessions/" + id);
    if (r.status != 200) return json{{"status", r.status}, {"body", r.body}};
    return r.json();
}

json E2eTest::wait_for_phase(const std::string& id, const std::string& phase, std::chrono::milliseconds deadline) {
    json last;
    const bool reached = eventually(
        [&] {
            last = session(id);
            return last.value("phase", "") == phase;
        },
        deadline);
    if (!reached) {
        ADD_FAILURE() << "session " << id << " not " << phase << " within " << deadline.count() << " ms; last seen:\n"
                      << last.dump(2) << "\nrunner.log:\n"
                      << tail(runner_log(id), 20) << "\ncontrol plane log:\n"
                      << tail(control_plane_logs(), 30);
    }
    return last;
}

std::int64_t E2eTest::say(const std::string& id, const std::string& text) {
    auto r = api().post(std::string(kApi) + "/sessions/" + id + "/messages",
                        json{{"event_type", "user"}, {"payload", text}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json().value("seq", std::int64_t{0}) : 0;
}

std::vector<Message> E2eTest::messages(const std::string& id) {
    std::vector<Message> out;
    std::int64_t after = 0;
    for (;;) {
        auto r = api().get(std::string(kApi) + "/sessions/" + id +
                           "/messages?limit=1000&after_seq=" + std::to_string(after));
        if (r.status != 200) {
            ADD_FAILURE() << "messages of " << id << ": " << r.status << " " << r.body;
            return out;
        }
        for (const auto& m : r.json())
            out.push_back({m["seq"], m["event_type"], m["payload"]});
        const auto next = r.header("X-Ambient-Next-After-Seq");
        if (next.empty()) return out;
        after = std::stoll(next);
    }
}

namespace {

json finished(const std::vector<Message>& all, std::int64_t user_seq) {
    for (const auto& m : all) {
        if (m.event_type != "lifecycle") continue;
        const auto j = json::parse(m.payload, nullptr, false);
        if (j.is_object() && j.value("event", "") == "run_finished" &&
            j.value("user_seq", std::int64_t{-1}) == user_seq)
            return j;
    }
    return nullptr;
}

}  // namespace

json E2eTest::wait_for_turn(const std::string& id, std::int64_t user_seq, std::chrono::milliseconds deadline) {
    json result;
    std::vector<Message> all;
    const bool done = eventually(
        [&] {
            all = messages(id);
            result = finished(all, user_seq);
            return !result.is_null();
        },
        deadline);
    if (!done) {
        std::string dump;
        for (const auto& m : all)
            dump += std::to_string(m.seq) + " " + m.event_type + " " + m.payload.substr(0, 300) + "\n";
        ADD_FAILURE() << "turn of message " << user_seq << " of " << id << " not finished in time; messages:\n"
                      << dump << "session: " << session(id).dump() << "\nrunner.log:\n"
                      << tail(runner_log(id), 20);
    }
    return result;
}

std::string E2eTest::answer_to(const std::string& id, std::int64_t user_seq) {
    std::string out;
    for (const auto& m : messages(id)) {
        if (m.seq <= user_seq) continue;
        if (m.event_type == "user") break;
        if (m.event_type == "assistant") out += m.payload;
    }
    return out;
}

std::string E2eTest::ask(const std::string& id, const std::string& text, std::chrono::milliseconds deadline) {
    const auto seq = say(id, text);
    const auto result = wait_for_turn(id, seq, deadline);
    EXPECT_EQ(result.value("status", ""), "completed") << result.dump();
    return answer_to(id, seq);
}

std::unique_ptr<SseReader> E2eTest::open_events(const std::string& id, const std::string& last_event_id) {
    HeaderPairs headers = {{"Authorization", std::string("Bearer ") + kTestToken}};
    if (!last_event_id.empty()) headers.emplace_back("Last-Event-ID", last_event_id);
    return std::make_unique<SseReader>(api_->process().host(), api_->process().port(),
                                       std::string(kApi) + "/sessions/" + id + "/events", headers);
}

std::vector<AguiEvent> E2eTest::read_events(SseReader& reader, const std::function<bool(const AguiEvent&)>& done,
                                            std::chrono::milliseconds deadline) {
    std::vector<AguiEvent> out;
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        auto e = reader.next(left);
        if (!e) break;
        AguiEvent event{e->id, "", json::parse(e->data, nullptr, false), e->data};
        if (event.data.is_object()) event.type = event.data.value("type", "");
        out.push_back(event);
        if (done(out.back())) return out;
    }
    ADD_FAILURE() << "events: condition not reached (" << out.size() << " events read, stream "
                  << (reader.ended() ? "ended" : "open") << ")";
    return out;
}

std::string E2eTest::runner_log(const std::string& id) const {
    return slurp(session_dir(id) / "runner.log");
}

std::string E2eTest::read_token(const std::string& id) const {
    return slurp(token_file(id));
}

std::uint64_t E2eTest::token_inode(const std::string& id) const {
    struct stat st {};
    return ::stat(token_file(id).c_str(), &st) == 0 ? st.st_ino : 0;
}

std::optional<pid_t> E2eTest::recorded_pid(const std::string& id) const {
    const auto record = json::parse(slurp(session_dir(id) / "runner.json"), nullptr, false);
    if (!record.is_object() || !record.contains("pid") || !record["pid"].is_number_integer()) return std::nullopt;
    return record["pid"].get<pid_t>();
}

std::vector<pid_t> E2eTest::runner_processes(const std::string& id) const {
    std::vector<pid_t> out;
    for (const pid_t pid : proc_pids()) {
        auto comm = proc_text(pid, "comm");
        if (comm != "ambient-runner\n") continue;
        for (const auto& entry : split_nul(proc_text(pid, "environ"))) {
            if (entry == "SESSION_ID=" + id) out.push_back(pid);
        }
    }
    return out;
}

std::string random_github_token() {
    static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    std::string token = "ghp_";
    for (int i = 0; i < 36; ++i)
        token += kChars[rd() % (sizeof kChars - 1)];
    return token;
}

}  // namespace ambient::testing::e2e
