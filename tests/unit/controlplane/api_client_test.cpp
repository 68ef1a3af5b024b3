#include "controlplane/api_client.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "common/http/router.hpp"
#include "common/http/server.hpp"

namespace ambient::controlplane {
namespace {

using nlohmann::json;

// A fake of the API server's session routes the control plane calls (a real HTTP server on
// 127.0.0.1). Session "gone" answers 409 to a mint, as a stopped session does.
class FakeApi {
public:
    FakeApi() {
        router_.add({"PATCH", "/api/ambient/v1/sessions/{id}/status",
                     [this](http::Request& req) {
                         record(req);
                         auto session = json::parse(req.body);
                         session["id"] = std::string(req.param("id"));
                         return http::Response::json(200, session.dump());
                     },
                     true});
        router_.add(
            {"POST", "/api/ambient/v1/sessions/{id}/runner_token",
             [this](http::Request& req) {
                 record(req);
                 if (req.param("id") == "gone") {
                     return http::Response::json(
                         409, R"({"kind":"Error","code":"ambient-api-server-6","reason":"session is Stopped"})");
                 }
                 return http::Response::json(200, R"({"token":"minted-token","expires_at":"2026-12-07T03:00:00Z"})");
             },
             true});
        router_.add({"POST", "/api/ambient/v1/runner_tokens",
                     [this](http::Request& req) {
                         record(req);
                         if (!batch_answer.empty()) return http::Response::json(200, batch_answer);
                         json items = json::array();
                         json errors = json::array();
                         const auto body = json::parse(req.body);
                         for (const auto& id : body.at("session_ids")) {
                             if (id == "gone") {
                                 errors.push_back({{"session_id", id},
                                                   {"status", 409},
                                                   {"code", "ambient-api-server-6"},
                                                   {"reason", "session is Stopped"}});
                             } else {
                                 items.push_back({{"session_id", id},
                                                  {"token", "token-of-" + id.get<std::string>()},
                                                  {"expires_at", "2026-12-07T03:00:00Z"}});
                             }
                         }
                         return http::Response::json(200, json{{"items", items}, {"errors", errors}}.dump());
                     },
                     true});
        router_.add({"GET", "/api/ambient/v1/sessions/{id}/credentials",
                     [this](http::Request& req) {
                         record(req);
                         return http::Response::json(
                             200, json{{"kind", "SessionCredentialList"},
                                       {"items",
                                        {{{"credential_id", "c-agent"}, {"provider", "github"}, {"grant", "agent"}},
                                         {{"credential_id", "c-jira"}, {"provider", "jira"}, {"grant", "project"}},
                                         {{"credential_id", "c-global"}, {"provider", "github"}, {"grant", "global"}}}}}
                                      .dump());
                     },
                     true});
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::Server>(options, router_);
        server_->start();
    }
    ~FakeApi() { server_->stop(); }
    std::string batch_answer;  // non-empty: POST /runner_tokens answers this instead
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    void record(http::Request& req) {
        std::lock_guard lock(mutex_);
        seen_.push_back(req.method + " " + req.path + " " + std::string(req.header("Authorization").value_or("")) +
                        " " + req.body);
    }

    http::Router router_;
    std::unique_ptr<http::Server> server_;
    std::mutex mutex_;
    std::vector<std::string> seen_;
};

class ApiClientTest : public ::testing::Test {
protected:
    FakeApi fake_;
    client::HttpClient http_{fake_.url()};
    ApiClient api_{http_, [] { return std::string("service-token"); }};
};

TEST_F(ApiClientTest, PatchStatusSendsTheFieldsWithTheServiceToken) {
    const auto session = api_.patch_status("s1", {{"phase", "Running"}, {"runner_url", "http://127.0.0.1:4000"}});
    EXPECT_EQ(session["phase"], "Running");
    ASSERT_EQ(fake_.seen().size(), 1u);
    EXPECT_EQ(
        fake_.seen()[0],
        R"(PATCH /api/ambient/v1/sessions/s1/status Bearer service-token {"phase":"Running","runner_url":"http://127.0.0.1:4000"})");
}

TEST_F(ApiClientTest, MintReturnsTheTokenAndAConflictIsAnErrorWithItsStatus) {
    const auto t = api_.mint_runner_token("s1");
    EXPECT_EQ(t.token, "minted-token");
    EXPECT_EQ(t.expires_at, "2026-12-07T03:00:00Z");
    try {
        api_.mint_runner_token("gone");
        FAIL() << "expected ApiCallError";
    } catch (const ApiCallError& e) {
        EXPECT_EQ(e.status(), 409);
        EXPECT_NE(std::string(e.what()).find("session is Stopped"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("service-token"), std::string::npos);
    }
}

TEST_F(ApiClientTest, BatchMintSendsTheIdsAndSortsTheAnswer) {
    const auto batch = api_.mint_runner_tokens({"s1", "gone", "s2"});
    ASSERT_EQ(batch.items.size(), 2u);
    EXPECT_EQ(batch.items[0].session_id, "s1");
    EXPECT_EQ(batch.items[0].token.token, "token-of-s1");
    EXPECT_EQ(batch.items[1].token.expires_at, "2026-12-07T03:00:00Z");
    ASSERT_EQ(batch.errors.size(), 1u);
    EXPECT_EQ(batch.errors[0].session_id, "gone");
    EXPECT_EQ(batch.errors[0].status, 409);
    EXPECT_EQ(batch.errors[0].reason, "session is Stopped");
    EXPECT_EQ(fake_.seen().back(),
              R"(POST /api/ambient/v1/runner_tokens Bearer service-token {"session_ids":["s1","gone","s2"]})");
}

// A broken answer is an error about its shape; the token it may hold is never in the message.
TEST_F(ApiClientTest, BatchMintAnswerOfTheWrongShapeNeverQuotesATokenInTheError) {
    for (const char* answer : {R"({"items":[{"session_id":"s1","token":"eyJsecret-token-1"}],"errors":7})",
                               R"({"items":[{"session_id":"s1","token":"eyJsecret-token-1)"}) {
        fake_.batch_answer = answer;
        try {
            api_.mint_runner_tokens({"s1"});
            ADD_FAILURE() << "expected ApiCallError: " << answer;
        } catch (const ApiCallError& e) {
            EXPECT_EQ(std::string(e.what()).find("secret-token"), std::string::npos) << e.what();
        }
    }
}

TEST(ApiClient, ServerWithoutTheBatchMintIsA404) {
    http::Router router;
    http::ServerOptions options;
    options.port = 0;
    http::Server server(options, router);
    server.start();
    client::HttpClient http("http://127.0.0.1:" + std::to_string(server.port()));
    ApiClient api(http, [] { return std::string("t"); });
    try {
        api.mint_runner_tokens({"s1"});
        ADD_FAILURE() << "expected ApiCallError";
    } catch (const ApiCallError& e) {
        EXPECT_EQ(e.status(), 404);
    }
    server.stop();
}

TEST_F(ApiClientTest, CredentialIdsKeepTheMostSpecificGrantPerProvider) {
    const auto ids = api_.credential_ids("s1");
    EXPECT_EQ(credential_ids_json(ids), R"({"github":"c-agent","jira":"c-jira"})");
}

TEST(ApiClient, NoServerIsAnErrorWithStatusZero) {
    client::HttpClient http("http://127.0.0.1:1");
    ApiClient api(http, [] { return std::string("t"); });
    try {
        api.patch_status("s1", {{"phase", "Failed"}});
        FAIL() << "expected ApiCallError";
    } catch (const ApiCallError& e) {
        EXPECT_EQ(e.status(), 0);
    }
}

}  // namespace
}  // namespace ambient::controlplane
