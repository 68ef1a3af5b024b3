// The runner's API client against a small in-process server: the token is read from its file
// on every call, a 401 re-reads it once and retries, and a redirect is never followed (the
// token never reaches another host).
#include "runner/api_client.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "support/server_process.hpp"

namespace ambient::runner {
namespace {

class FakeApi {
public:
    explicit FakeApi(http::Router& router) {
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::Server>(options, router);
        server_->start();
    }
    ~FakeApi() { server_->stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

private:
    std::unique_ptr<http::Server> server_;
};

void write_token(const std::filesystem::path& file, const std::string& token) {
    std::ofstream(file.string() + ".tmp") << token << "\n";
    std::filesystem::rename(file.string() + ".tmp", file);
}

TEST(ApiClient, A401ReReadsTheTokenFileOnceAndRetries) {
    testing::TempDir dir;
    const auto file = dir.path() / "bot-token";
    write_token(file, "old-token");
    std::mutex mutex;
    std::vector<std::string> seen;
    http::Router router;
    router.add({"GET", "/api/ambient/v1/sessions/{id}",
                [&](http::Request& req) {
                    const std::string auth(req.header("Authorization").value_or(""));
                    std::lock_guard lock(mutex);
                    seen.push_back(auth);
                    if (auth == "Bearer old-token") {
                        // The control plane rewrites the file while the old token is refused.
                        write_token(file, "new-token");
                        return http::Response::json(401, R"({"reason":"expired"})");
                    }
                    return http::Response::json(200, R"({"id":"s1"})");
                },
                true});
    FakeApi fake(router);
    TokenSource tokens(file, {});
    ApiClient api(fake.url(), "s1", tokens);
    EXPECT_EQ(api.session()["id"], "s1");
    EXPECT_EQ(seen, (std::vector<std::string>{"Bearer old-token", "Bearer new-token"}));
    // And a rewrite between calls is used by the next call, with no 401 first.
    write_token(file, "newest-token");
    api.session();
    EXPECT_EQ(seen.back(), "Bearer newest-token");
    EXPECT_EQ(seen.size(), 3u);
}

TEST(ApiClient, ARefusedTokenIsRetriedOnlyOnce) {
    testing::TempDir dir;
    const auto file = dir.path() / "bot-token";
    write_token(file, "bad");
    std::atomic<int> calls{0};
    http::Router router;
    router.add({"GET", "/api/ambient/v1/credentials/{id}/token",
                [&](http::Request&) {
                    ++calls;
                    return http::Response::json(401, R"({"reason":"Invalid token"})");
                },
                true});
    FakeApi fake(router);
    TokenSource tokens(file, {});
    ApiClient api(fake.url(), "s1", tokens);
    EXPECT_EQ(api.credential_token("c1").status, 401);
    EXPECT_EQ(calls.load(), 2);
}

TEST(ApiClient, ARedirectIsNeverFollowedSoTheTokenStaysWithTheApiServer) {
    testing::TempDir dir;
    const auto file = dir.path() / "bot-token";
    write_token(file, "runner-token");
    std::atomic<int> stolen{0};
    http::Router elsewhere_router;
    elsewhere_router.add({"GET", "/steal",
                          [&](http::Request&) {
                              ++stolen;
                              return http::Response::json(200, R"({"token":"x"})");
                          },
                          true});
    FakeApi elsewhere(elsewhere_router);
    http::Router router;
    router.add({"GET", "/api/ambient/v1/credentials/{id}/token",
                [&](http::Request&) {
                    auto r = http::Response::json(302, "{}");
                    r.set_header("Location", elsewhere.url() + "/steal");
                    return r;
                },
                true});
    FakeApi fake(router);
    TokenSource tokens(file, {});
    ApiClient api(fake.url(), "s1", tokens);
    EXPECT_EQ(api.credential_token("c1").status, 302);
    EXPECT_EQ(stolen.load(), 0);
}

TEST(TokenSource, AMissingOrEmptyFileIsAnErrorThatNamesTheFileNotTheToken) {
    testing::TempDir dir;
    TokenSource missing(dir.path() / "none", {});
    EXPECT_THROW(missing.current(), TokenUnavailable);
    write_token(dir.path() / "empty", "  ");
    TokenSource empty(dir.path() / "empty", {});
    EXPECT_THROW(empty.current(), TokenUnavailable);
    TokenSource fixed({}, " fixed-token\n");
    EXPECT_EQ(fixed.current(), "fixed-token");
}

TEST(TokenSource, EveryNewValueIsReportedOnce) {
    testing::TempDir dir;
    const auto file = dir.path() / "bot-token";
    write_token(file, "first-token");
    std::vector<std::string> seen;
    TokenSource tokens(file, {}, [&](const std::string& t) { seen.push_back(t); });
    tokens.current();
    tokens.current();
    write_token(file, "second-token");
    tokens.current();
    EXPECT_EQ(seen, (std::vector<std::string>{"first-token", "second-token"}));
}

}  // namespace
}  // namespace ambient::runner
