#pragma once
// The runner end to end: a real ambient-api-server (SQLite, its own data dir), a project, a
// started session with a runner token minted through the API and written to a 0600 token
// file, and the real ambient-runner binary started against them with upstream's variables.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/api_fixture.hpp"
#include "support/server_process.hpp"

namespace ambient::testing {

struct MessageRecord {
    std::int64_t seq = 0;
    std::string event_type;
    std::string payload;
};

class RunnerTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    HttpClient& api() { return *http_; }
    ApiServer& server() { return *server_; }
    const std::string& session_id() const { return session_id_; }
    const std::filesystem::path& workspace() const { return workspace_.path(); }
    const std::filesystem::path& token_file() const { return token_file_; }
    std::string base_url() const;

    // A new runner token for the session, written atomically (temp file + rename) to the
    // token file, as the control plane does. Returns it.
    std::string refresh_token();
    // A github credential granted to the session's project; returns its id.
    std::string grant_github_credential(const std::string& token, const std::string& name = "gh");

    // Starts ambient-runner with the fixture's variables plus `env` ("NAME=value").
    ServerProcess& start_runner(std::vector<std::string> env = {});
    ServerProcess& runner() { return *runner_; }
    void stop_runner();
    // Variables every runner of this fixture gets.
    std::vector<std::string> runner_env() const;

    // Posts a user message (as the service) and returns its seq.
    std::int64_t say(const std::string& text);
    std::vector<MessageRecord> messages();
    // Waits (polling the API, with a deadline) until `done` holds for the session's messages.
    std::vector<MessageRecord> wait_for_messages(const std::function<bool(const std::vector<MessageRecord>&)>& done,
                                                 std::chrono::seconds deadline = std::chrono::seconds(30));
    // Waits until a lifecycle run_finished names `user_seq`; returns all messages then.
    std::vector<MessageRecord> wait_for_turn(std::int64_t user_seq,
                                             std::chrono::seconds deadline = std::chrono::seconds(30));

    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> http_;
    TempDir workspace_;
    TempDir secrets_;
    std::filesystem::path token_file_;
    std::string session_id_;
    std::unique_ptr<ServerProcess> runner_;
};

// The messages of one type, in order.
std::vector<MessageRecord> of_type(const std::vector<MessageRecord>& all, const std::string& type);
// The lifecycle run_finished payload for `user_seq`, or null.
nlohmann::json finished_lifecycle(const std::vector<MessageRecord>& all, std::int64_t user_seq);

}  // namespace ambient::testing
