#include "runner/runner_fixture.hpp"

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "api/builtin_roles.hpp"

namespace ambient::testing {

using nlohmann::json;

namespace {
constexpr const char* kApi = "/api/ambient/v1";
}

void RunnerTest::SetUp() {
    server_ = std::make_unique<ApiServer>(Backend::Sqlite);
    http_.emplace(server_->client());
    ASSERT_EQ(api().post(std::string(kApi) + "/projects", R"({"name":"proj"})").status, 201);
    auto r = api().post(std::string(kApi) + "/sessions", json{{"name", "s"}, {"project_id", "proj"}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    session_id_ = r.json()["id"];
    ASSERT_EQ(api().post(std::string(kApi) + "/sessions/" + session_id_ + "/start", "").status, 200);
    ::chmod(secrets_.path().c_str(), 0700);
    token_file_ = secrets_.path() / "bot-token";
    refresh_token();
}

void RunnerTest::TearDown() {
    stop_runner();
}

std::string RunnerTest::base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->process().port());
}

std::string RunnerTest::refresh_token() {
    auto r = api().post(std::string(kApi) + "/sessions/" + session_id_ + "/runner_token", "");
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string token = r.json().value("token", "");
    const auto tmp = token_file_.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << token;
    }
    ::chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, token_file_);
    return token;
}

std::string RunnerTest::grant_github_credential(const std::string& token, const std::string& name) {
    auto r = api().post(std::string(kApi) + "/credentials",
                        json{{"name", name}, {"provider", "github"}, {"token", token}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string id = r.json()["id"];
    json binding = {{"role_id", api::builtin_role_id("credential:token-reader")},
                    {"scope", "credential"},
                    {"credential_id", id},
                    {"project_id", "proj"}};
    auto b = api().post(std::string(kApi) + "/role_bindings", binding.dump());
    EXPECT_EQ(b.status, 201) << b.body;
    return id;
}

std::vector<std::string> RunnerTest::runner_env() const {
    return {"SESSION_ID=" + session_id_,
            "PROJECT_NAME=proj",
            "BACKEND_API_URL=" + base_url(),
            "BOT_TOKEN_FILE=" + token_file_.string(),
            "WORKSPACE_PATH=" + workspace_.path().string(),
            "AGUI_HOST=127.0.0.1",
            "AGUI_PORT=0"};
}

ServerProcess& RunnerTest::start_runner(std::vector<std::string> env) {
    auto all = runner_env();
    all.insert(all.end(), env.begin(), env.end());
    runner_ = std::make_unique<ServerProcess>(binary_dir() / "ambient-runner", std::vector<std::string>{}, all);
    return *runner_;
}

void RunnerTest::stop_runner() {
    if (runner_) runner_->stop();
}

std::int64_t RunnerTest::say(const std::string& text) {
    auto r = api().post(std::string(kApi) + "/sessions/" + session_id_ + "/messages",
                        json{{"event_type", "user"}, {"payload", text}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("seq", std::int64_t{0});
}

std::vector<MessageRecord> RunnerTest::messages() {
    std::vector<MessageRecord> out;
    auto r = api().get(std::string(kApi) + "/sessions/" + session_id_ + "/messages?limit=1000");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& m : r.json())
        out.push_back({m["seq"], m["event_type"], m["payload"]});
    return out;
}

std::vector<MessageRecord> RunnerTest::wait_for_messages(
    const std::function<bool(const std::vector<MessageRecord>&)>& done, std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        auto all = messages();
        if (done(all)) return all;
        if (std::chrono::steady_clock::now() > until) {
            std::string dump;
            for (const auto& m : all)
                dump += std::to_string(m.seq) + " " + m.event_type + " " + m.payload + "\n";
            ADD_FAILURE() << "condition not reached in time; messages:\n"
                          << dump << "runner log:\n"
                          << (runner_ ? runner_->log() : "");
            return all;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::vector<MessageRecord> RunnerTest::wait_for_turn(std::int64_t user_seq, std::chrono::seconds deadline) {
    return wait_for_messages([&](const auto& all) { return !finished_lifecycle(all, user_seq).is_null(); }, deadline);
}

std::vector<MessageRecord> of_type(const std::vector<MessageRecord>& all, const std::string& type) {
    std::vector<MessageRecord> out;
    for (const auto& m : all)
        if (m.event_type == type) out.push_back(m);
    return out;
}

json finished_lifecycle(const std::vector<MessageRecord>& all, std::int64_t user_seq) {
    for (const auto& m : of_type(all, "lifecycle")) {
        auto j = json::parse(m.payload, nullptr, false);
        if (j.is_object() && j.value("event", "") == "run_finished" &&
            j.value("user_seq", std::int64_t{-1}) == user_seq)
            return j;
    }
    return nullptr;
}

}  // namespace ambient::testing
