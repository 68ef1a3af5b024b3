// GET /sessions/{id}/events with an https runner_url: the proxy relays a runner whose
// certificate verifies and names its host, and answers 502 — never a relay — when it does
// not. The runner is a real TLS server (support/fake_tls_runner) with a certificate from a
// CA made for the test; the server under test trusts that CA only when given
// --runner-ca-file.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "integration/api_fixture.hpp"
#include "support/fake_tls_runner.hpp"
#include "support/test_ca.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class EventsProxyOverTls : public ::testing::TestWithParam<Backend> {
protected:
    enum class Trust { TestCa, SystemStoreOnly };

    // The server under test, and a session in it whose events are asked for.
    void start_server(Trust trust) {
        std::vector<std::string> args;
        if (trust == Trust::TestCa) args = {"--runner-ca-file", ca_.certificate_file().string()};
        server_ = std::make_unique<ApiServer>(GetParam(), args);
        http_.emplace(server_->client());
        ASSERT_EQ(http_->post("/api/ambient/v1/projects", R"({"name":"proj"})").status, 201);
        auto s = http_->post("/api/ambient/v1/sessions", R"({"name":"s","project_id":"proj"})");
        ASSERT_EQ(s.status, 201);
        id_ = s.json()["id"];
        path_ = "/api/ambient/v1/sessions/" + id_ + "/events";
    }
    // A runner for the session with a certificate from the test CA for `names`.
    std::unique_ptr<FakeTlsRunner> start_runner(const std::vector<std::string>& names, int count = 5,
                                                std::chrono::milliseconds interval = 100ms) {
        const auto certificate = ca_.issue("runner" + std::to_string(++issued_), names);
        return std::make_unique<FakeTlsRunner>(FakeTlsRunner::Options{.session_id = id_,
                                                                      .certificate_file = certificate.certificate_file,
                                                                      .key_file = certificate.key_file,
                                                                      .count = count,
                                                                      .interval = interval});
    }
    void set_runner(const std::string& url) {
        ASSERT_EQ(http_->patch("/api/ambient/v1/sessions/" + id_ + "/status", json{{"runner_url", url}}.dump()).status,
                  200);
    }
    SseReader open(HeaderPairs headers = {}) {
        headers.emplace_back("Authorization", std::string("Bearer ") + kTestToken);
        return SseReader(server_->process().host(), server_->process().port(), path_, headers);
    }
    void expect_502(const std::string& reason) {
        const auto r = http_->get(path_);
        EXPECT_EQ(r.status, 502) << r.body;
        EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u);
        EXPECT_EQ(r.json()["reason"], reason);
    }
    // The server's log says `text`, within a moment (it is written as the request ends).
    void expect_logged(const std::string& text) {
        const auto deadline = Clock::now() + 5s;
        while (server_->process().log().find(text) == std::string::npos && Clock::now() < deadline)
            std::this_thread::sleep_for(50ms);
        EXPECT_NE(server_->process().log().find(text), std::string::npos) << "log lacks: " << text;
    }

    TempDir pki_dir_;
    TestCa ca_{pki_dir_.path()};
    int issued_ = 0;
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> http_;
    std::string id_;
    std::string path_;
};

TEST_P(EventsProxyOverTls, EventsFromAVerifiedRunnerArriveInOrder) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"localhost", "127.0.0.1"});
    set_runner(runner->url() + "/");
    auto sse = open({{"Last-Event-ID", "7"}});
    ASSERT_EQ(sse.status(), 200) << sse.response().body;
    EXPECT_EQ(sse.response().header("Content-Type"), "text/event-stream");
    for (int n = 8; n <= 12; ++n) {
        auto event = sse.next(5s);
        ASSERT_TRUE(event) << "event " << n;
        EXPECT_EQ(event->id, std::to_string(n));
        EXPECT_EQ(json::parse(event->data)["n"], n);
    }
    EXPECT_FALSE(sse.next(5s));
    EXPECT_TRUE(sse.ended());
    EXPECT_EQ(runner->last_event_id(), "7");
    EXPECT_EQ(runner->accept(), "text/event-stream");
}

TEST_P(EventsProxyOverTls, ARunnerNamedByItsHostNameIsVerifiedByName) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"localhost"}, 2);
    set_runner(runner->url("localhost"));
    auto sse = open();
    ASSERT_EQ(sse.status(), 200) << sse.response().body;
    ASSERT_TRUE(sse.next(5s));
    ASSERT_TRUE(sse.next(5s));
    EXPECT_EQ(runner->server_name(), "localhost");
}

TEST_P(EventsProxyOverTls, WithoutItsCaTrustedTheRunnerIs502) {
    start_server(Trust::SystemStoreOnly);
    auto runner = start_runner({"localhost", "127.0.0.1"});
    set_runner(runner->url());
    expect_502("runner's TLS certificate was not accepted");
    expect_logged("unable to get local issuer certificate");
    EXPECT_EQ(runner->requests(), 0);  // the request never left on an unverified session
}

TEST_P(EventsProxyOverTls, ACertificateForAnotherHostIs502) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"runner.other.example"});
    set_runner(runner->url("localhost"));
    expect_502("runner's TLS certificate was not accepted");
    expect_logged("hostname mismatch");
    set_runner(runner->url("127.0.0.1"));
    expect_502("runner's TLS certificate was not accepted");
    expect_logged("IP address mismatch");
    EXPECT_EQ(runner->requests(), 0);
}

// Something on the port that does not speak TLS: the server under test's own plain HTTP.
TEST_P(EventsProxyOverTls, APlainHttpPeerIs502) {
    start_server(Trust::TestCa);
    set_runner("https://127.0.0.1:" + std::to_string(server_->process().port()));
    expect_502("TLS handshake with the runner failed");
}

TEST_P(EventsProxyOverTls, ClientLeavingClosesTheRunnerStream) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"127.0.0.1"}, -1);
    set_runner(runner->url());
    {
        auto sse = open();
        ASSERT_EQ(sse.status(), 200);
        ASSERT_TRUE(sse.next(5s));
        ASSERT_TRUE(sse.next(5s));
        sse.close();
    }
    const auto deadline = Clock::now() + 10s;
    while (!runner->client_gone() && Clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(runner->client_gone());
}

// The runners' connections live on a thread of their own, which must outlast every relay:
// a server stopped with TLS streams open ends them and exits cleanly.
TEST_P(EventsProxyOverTls, StoppingTheServerEndsOpenStreamsCleanly) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"127.0.0.1"}, -1);
    set_runner(runner->url());
    auto first = open();
    auto second = open();
    ASSERT_EQ(first.status(), 200);
    ASSERT_EQ(second.status(), 200);
    ASSERT_TRUE(first.next(5s));
    ASSERT_TRUE(second.next(5s));
    const auto stopping = Clock::now();
    EXPECT_EQ(server_->process().stop(), 0) << server_->process().log();
    EXPECT_LT(Clock::now() - stopping, 5s);
    while (first.next(1s)) {
    }
    EXPECT_TRUE(first.ended());
}

INSTANTIATE_TEST_SUITE_P(Backends, EventsProxyOverTls, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

// Events further apart than the relay's one-second wait: its reads of the TLS session are cut
// short by the wait again and again, and every event still comes through whole. The
// database plays no part after the session lookup, so this runs on SQLite only.
class QuietEventsProxyOverTls : public EventsProxyOverTls {};

TEST_P(QuietEventsProxyOverTls, EventsSlowerThanTheWaitSliceComeThroughWhole) {
    start_server(Trust::TestCa);
    auto runner = start_runner({"127.0.0.1"}, 3, 1500ms);
    set_runner(runner->url());
    auto sse = open();
    ASSERT_EQ(sse.status(), 200);
    for (int n = 1; n <= 3; ++n) {
        auto event = sse.next(5s);
        ASSERT_TRUE(event) << "event " << n;
        EXPECT_EQ(event->id, std::to_string(n));
        EXPECT_EQ(json::parse(event->data)["n"], n);
    }
    EXPECT_FALSE(sse.next(5s));
    EXPECT_TRUE(sse.ended());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, QuietEventsProxyOverTls, ::testing::Values(Backend::Sqlite), backend_name);

// A CA file the server cannot use is bad configuration: it stops startup and says why.
TEST(RunnerCaFile, AnUnusableOneStopsStartup) {
    TempDir dir;
    const auto garbage = dir.path() / "garbage.pem";
    std::ofstream(garbage) << "not a certificate\n";
    for (const auto& file : {dir.path() / "missing.pem", garbage}) {
        const auto r = run_process(binary_dir() / "ambient-api-server",
                                   {"serve", "--api-server-bindaddress", "127.0.0.1:0", "--data-dir",
                                    (dir.path() / "data").string(), "--runner-ca-file", file.string()},
                                   {std::string("AMBIENT_API_TOKEN=") + kTestToken});
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find("--runner-ca-file: " + file.string()), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace ambient::testing
