#pragma once
// The CLI's black-box fixture: a real ambient-api-server (SQLite, port 0, a JWKS of the test's
// own key so users can sign in with JWTs) and the real acpctl binary, run as a user would with
// a clean environment: HOME and AMBIENT_CONFIG in the test's temp dir, AMBIENT_API_URL at
// the server, AMBIENT_TOKEN the service token unless a test says otherwise.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/api_fixture.hpp"

namespace ambient::testing::cli {

using nlohmann::json;

inline constexpr const char* kIssuer = "https://sso.test/realms/ambient";
inline constexpr const char* kAudience = "ambient-api";

struct CliResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// An environment change: "NAME=value" sets, "NAME" alone removes.
using EnvChanges = std::vector<std::string>;

// Runs acpctl to completion (deadline 60 s) with `stdin_text` on its stdin.
CliResult run_acpctl(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::string& stdin_text = {});

// acpctl running in the background (`-f`, `-w`): stdout and stderr go to files, read at any
// time; stopped with SIGINT at destruction if still running.
class BackgroundCli {
public:
    BackgroundCli(const std::vector<std::string>& args, const std::vector<std::string>& env);
    ~BackgroundCli();
    BackgroundCli(const BackgroundCli&) = delete;
    BackgroundCli& operator=(const BackgroundCli&) = delete;

    std::string out() const;
    std::string err() const;
    // Waits until stdout holds `text` (true) or the deadline passes (false).
    bool wait_for(const std::string& text, std::chrono::milliseconds deadline = std::chrono::seconds(30)) const;
    // Waits for the exit; its status, or nullopt at the deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds deadline = std::chrono::seconds(30));
    void interrupt();  // SIGINT

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    TempDir dir_;
};

class CliTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // The environment acpctl gets: the defaults above, then `changes`.
    std::vector<std::string> env(const EnvChanges& changes = {}) const;
    CliResult acpctl(const std::vector<std::string>& args, const EnvChanges& changes = {},
                     const std::string& stdin_text = {}) const;
    std::unique_ptr<BackgroundCli> acpctl_background(const std::vector<std::string>& args,
                                                     const EnvChanges& changes = {}) const;

    // A JWT for `user` signed by the test's key (preferred_username = user), valid `ttl`.
    std::string user_token(const std::string& user, std::chrono::seconds ttl = std::chrono::hours(1)) const;
    // The service token's client and raw calls for building a test's world.
    HttpClient& admin() { return *admin_; }
    json made(const std::string& path, const json& body);  // POST …, expects 201
    std::string api_url() const;
    ApiServer& server() { return *server_; }
    const std::filesystem::path& home() const { return home_.path(); }
    std::filesystem::path config_file() const { return home_.path() / "config" / "ambient" / "config.json"; }

    // Starts another server (after stopping the current one) on the same data dir and port,
    // for tests that restart the API server under a running acpctl.
    void restart_server();

private:
    TempDir dir_;
    TempDir home_;
    std::filesystem::path jwks_path_;
    struct Key;
    std::shared_ptr<Key> key_;
    std::vector<std::unique_ptr<ApiServer>> retired_;  // stopped, kept for their data dir
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
};

}  // namespace ambient::testing::cli
