// The e2e tier's own fakes, checked before any test leans on them: the fault proxy passes
// requests and streams through, fails or rewrites the ones its rule names; the fake GitHub
// records the token it was sent.
#include <gtest/gtest.h>

#include "integration/api_fixture.hpp"
#include "support/fake_github.hpp"
#include "support/fault_proxy.hpp"
#include "support/server_process.hpp"

namespace ambient::testing {
namespace {

using namespace std::chrono_literals;

TEST(FaultProxyTest, ForwardsFailsAndRewritesByRule) {
    ApiServer api(Backend::Sqlite);
    FaultProxy proxy(api.process().host(), api.process().port());
    HttpClient client("127.0.0.1", proxy.port());
    client.set_bearer(kTestToken);

    // A stream opened through the proxy sees a change made afterwards.
    SseReader watch("127.0.0.1", proxy.port(), "/api/ambient/v1/projects?watch=true",
                    {{"Authorization", std::string("Bearer ") + kTestToken}});
    ASSERT_EQ(watch.status(), 200);
    ASSERT_EQ(client.post("/api/ambient/v1/projects", R"({"name":"through"})").status, 201);
    const auto change = watch.next(10s);
    ASSERT_TRUE(change);
    EXPECT_NE(change->data.find("through"), std::string::npos);

    proxy.set_rule([](const FaultProxy::Request& r) {
        if (r.method == "POST" && r.body.find("refused") != std::string::npos)
            return FaultProxy::Action::fail(500, R"({"reason":"injected"})");
        if (r.method == "GET" && r.target == "/api/ambient/v1/projects/through")
            return FaultProxy::Action::rewrite_with(
                [](int status, const std::string& body) { return std::to_string(status) + ":" + body.substr(0, 1); });
        return FaultProxy::Action::forward();
    });
    const auto refused = client.post("/api/ambient/v1/projects", R"({"name":"refused"})");
    EXPECT_EQ(refused.status, 500);
    EXPECT_EQ(refused.body, R"({"reason":"injected"})");
    EXPECT_EQ(client.get("/api/ambient/v1/projects/refused").status, 404) << "a failed request reached the server";
    const auto rewritten = client.get("/api/ambient/v1/projects/through");
    EXPECT_EQ(rewritten.status, 200);
    EXPECT_EQ(rewritten.body, "200:{");
    EXPECT_EQ(client.post("/api/ambient/v1/projects", R"({"name":"passed"})").status, 201);
    EXPECT_EQ(proxy.faults(), 2u);
}

TEST(FakeGitHubTest, RecordsTheTokenOfEachRequest) {
    FakeGitHub github;
    const auto r =
        run_process("/usr/bin/curl", {"-s", "-H", "Authorization: token ghp_recorded", github.base_url() + "/user"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("\"login\""), std::string::npos) << r.output;
    ASSERT_TRUE(github.wait_for_requests(1, 5s));
    EXPECT_EQ(github_token_of(github.requests().at(0).authorization), "ghp_recorded");
}

}  // namespace
}  // namespace ambient::testing
