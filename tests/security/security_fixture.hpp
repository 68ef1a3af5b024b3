#pragma once
// The adversarial suite's fixture: a real ambient-api-server per test, on SQLite or
// PostgreSQL, that accepts a service token (the fixture's admin) and user JWTs signed by the
// test's own key. Each test reproduces one attack as written in the issue that found it and
// asserts the refusal.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {

inline constexpr const char* kSecurityIssuer = "https://sso.test/realms/ambient";
inline constexpr const char* kSecurityAudience = "ambient-api";

// "/api/ambient/v1" + rest.
std::string api_path(const std::string& rest);

// What a process holds, read from /proc: resident memory and open descriptors.
std::size_t resident_kib(pid_t pid);
std::size_t open_descriptors(pid_t pid);

class SecurityTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override;
    void TearDown() override;

    // Starts the server with the OIDC options plus `extra_args` (SetUp starts it with none;
    // a test that needs flags calls this again, which replaces the server).
    void start_server(std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});

    // A JWT for `user` from the test's key, valid for `lifetime`.
    std::string user_token(const std::string& user, std::chrono::seconds lifetime = std::chrono::hours(1)) const;
    // A client signed in as `user`.
    HttpClient as(const std::string& user) const;
    // The service token's client (a platform admin).
    HttpClient& admin() { return *admin_; }
    ApiServer& server() { return *server_; }

    // `user` creates project `name` (and becomes its owner); asserts 201.
    void user_creates_project(const std::string& user, const std::string& name);
    // Creates with the service token; returns the created object (asserts 201).
    nlohmann::json made(const std::string& path, const nlohmann::json& body);

    TempDir dir_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::filesystem::path jwks_path_;
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> admin_;
};

}  // namespace ambient::testing
