// `ambient-api-server seed-admin --username U` makes U a platform admin: the first person
// who can administer a fresh installation with their own OIDC token.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "api/builtin_roles.hpp"
#include "common/jwt/jwt.hpp"
#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

class SeedAdmin : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        jwks_ = dir_.path() / "jwks.json";
        std::ofstream(jwks_) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "k")}}}.dump();
        server_ = std::make_unique<ApiServer>(GetParam(), std::vector<std::string>{"--jwk-cert-file", jwks_.string()});
    }

    HttpClient as(const std::string& user) {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto c = server_->client(false);
        c.set_bearer(jwt::sign(json{{"preferred_username", user}, {"iat", now}, {"exp", now + 3600}}, key_.get(),
                               jwt::Algorithm::ES256, "k"));
        return c;
    }

    ProcessResult seed(const std::string& username) {
        std::vector<std::string> args = {"seed-admin", "--username", username};
        if (server_->db_url().empty()) {
            args.insert(args.end(), {"--data-dir", server_->data_dir().string()});
        } else {
            args.insert(args.end(), {"--db-url", server_->db_url()});
        }
        return run_process(binary_dir() / "ambient-api-server", args);
    }

    TempDir dir_;
    std::filesystem::path jwks_;
    jwt::PkeyPtr key_ = jwt::generate_key(jwt::Algorithm::ES256);
    std::unique_ptr<ApiServer> server_;
};

TEST_P(SeedAdmin, MakesTheUserAPlatformAdminOnce) {
    EXPECT_EQ(as("root-user").get("/api/ambient/v1/audit_events").status, 403);

    const auto first = seed("root-user");
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_NE(first.output.find("root-user is now a platform admin"), std::string::npos) << first.output;

    // A running server sees the new binding at once on PostgreSQL (NOTIFY), and on SQLite
    // when its cached access of the user expires (at most 5 s): wait for it, with a deadline.
    auto admin = as("root-user");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while ((status = admin.get("/api/ambient/v1/audit_events").status) != 200 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(status, 200);
    // An admin grants what no one else may: a global binding.
    const json global = {{"role_id", api::builtin_role_id("platform:viewer")}, {"scope", "global"}, {"user_id", "v"}};
    EXPECT_EQ(admin.post("/api/ambient/v1/role_bindings", global.dump()).status, 201);

    const auto again = seed("root-user");
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("already a platform admin"), std::string::npos) << again.output;
    auto bindings = server_->client().get("/api/ambient/v1/role_bindings?search=user_id%3D'root-user'").json();
    EXPECT_EQ(bindings["total"], 1);
}

TEST_P(SeedAdmin, RefusesAnEmptyUsername) {
    const auto r = seed("");
    EXPECT_NE(r.exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SeedAdmin, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
