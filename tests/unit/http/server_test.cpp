#include "common/http/server.hpp"
#include "common/may_block.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/thread_pool.hpp>

#include "common/api_error.hpp"
#include "common/ksuid.hpp"
#include "common/metrics.hpp"
#include "support/http_client.hpp"

namespace ambient::http {
namespace {

using namespace std::chrono_literals;
using ambient::testing::HttpClient;
using ambient::testing::RawConnection;
using Clock = std::chrono::steady_clock;

std::string gunzip(const std::string& data) {
    z_stream zs{};
    EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
    std::string out;
    char buf[4096];
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
    }
    inflateEnd(&zs);
    EXPECT_EQ(rc, Z_STREAM_END);
    return out;
}

class ServerTest : public ::testing::Test {
protected:
    ServerTest() { options_.port = 0; }

    void start() {
        server_ = std::make_unique<Server>(options_, router_, hooks_);
        server_->start();
        client_.emplace("127.0.0.1", server_->port());
    }
    void TearDown() override {
        if (server_) server_->stop();
    }
    void route(std::string method, std::string pattern, Handler handler, bool is_public = false) {
        router_.add({std::move(method), std::move(pattern), std::move(handler), is_public});
    }

    ServerOptions options_;
    Router router_;
    ServerHooks hooks_;
    std::unique_ptr<Server> server_;
    std::optional<HttpClient> client_;
};

TEST_F(ServerTest, BuildsTheRequestFromTheWire) {
    Request seen;
    route("POST", "/things/{id}", [&](Request& r) {
        seen = r;
        return Response::json(201, R"({"ok":true})");
    });
    start();
    auto r = client_->post("/things/a%20b/?q=x+y%26z&flag", "payload", {{"X-Custom", "v"}});
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"({"ok":true})");
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.header("Content-Length"), "11");
    EXPECT_EQ(r.header("Server"), "ambient-api-server");

    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.target, "/things/a%20b/?q=x+y%26z&flag");
    EXPECT_EQ(seen.path, "/things/a b");
    EXPECT_EQ(seen.route, "/things/{id}");
    EXPECT_EQ(seen.param("id"), "a b");
    EXPECT_EQ(seen.query_param("q"), "x y&z");
    EXPECT_EQ(seen.query_param("flag"), "");
    EXPECT_EQ(seen.header("x-custom"), "v");
    EXPECT_EQ(seen.body, "payload");
    EXPECT_TRUE(is_ksuid(seen.operation_id)) << seen.operation_id;
    EXPECT_EQ(r.header("X-Operation-ID"), seen.operation_id);
    EXPECT_EQ(seen.remote_address.rfind("127.0.0.1:", 0), 0u) << seen.remote_address;
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOverOneConnection) {
    std::vector<std::string> remotes;
    std::mutex mutex;
    route("GET", "/ping", [&](Request& r) {
        std::lock_guard lock(mutex);
        remotes.push_back(r.remote_address);
        return Response::text(200, "pong");
    });
    start();
    EXPECT_EQ(client_->get("/ping").body, "pong");
    EXPECT_EQ(client_->get("/ping").body, "pong");
    EXPECT_EQ(client_->connections_opened(), 1u);
    ASSERT_EQ(remotes.size(), 2u);
    EXPECT_EQ(remotes[0], remotes[1]);  // same client port: same TCP connection
}

TEST_F(ServerTest, ClientReconnectsAfterTheServerClosedAnIdleConnection) {
    options_.idle_timeout = 1s;
    route("GET", "/ping", [](Request&) { return Response::text(200, "pong"); });
    start();
    EXPECT_EQ(client_->get("/ping").status, 200);
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    ASSERT_EQ(server_->connection_count(), 0u);
    EXPECT_EQ(client_->get("/ping").status, 200);
    EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(ServerTest, BodyOverTheLimitGets413WithTheErrorBody) {
    options_.max_body_bytes = 64 * 1024;
    std::atomic<int> calls{0};
    route("POST", "/upload", [&](Request&) {
        ++calls;
        return Response::text(200, "ok");
    });
    start();
    EXPECT_EQ(client_->post("/upload", std::string(64 * 1024, 'x')).status, 200);

    auto r = client_->post("/upload", std::string(1024 * 1024, 'x'));
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto body = r.json();
    EXPECT_EQ(body["kind"], "Error");
    EXPECT_EQ(body["code"], "ambient-api-server-21");
    EXPECT_EQ(body["operation_id"], r.header("X-Operation-ID"));
    EXPECT_EQ(calls.load(), 1);
    // The connection is closed after a 413; the client simply opens another.
    EXPECT_EQ(client_->post("/upload", "small").status, 200);
}

TEST_F(ServerTest, ApiErrorFromAHandlerBecomesItsStatusAndBody) {
    route("GET", "/conflict", [](Request&) -> Response {
        throw ApiError(409, ErrorCode::Conflict, "name already taken", "unique constraint x");
    });
    start();
    auto r = client_->get("/conflict");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto body = r.json();
    EXPECT_EQ(body["code"], "ambient-api-server-6");
    EXPECT_EQ(body["id"], "6");
    EXPECT_EQ(body["reason"], "name already taken");
    ASSERT_FALSE(r.header("X-Operation-ID").empty());
    EXPECT_EQ(body["operation_id"], r.header("X-Operation-ID"));
}

TEST_F(ServerTest, OtherExceptionsBecome500UnspecifiedError) {
    route("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("secret detail"); });
    start();
    auto r = client_->get("/boom");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json()["reason"], "Unspecified error");
    EXPECT_EQ(r.json()["code"], "ambient-api-server-9");
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
    route("GET", "/things", [](Request&) { return Response::text(200, "[]"); });
    start();
    auto r = client_->get("/nope/x%20y");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json()["code"], "ambient-api-server-7");
    EXPECT_EQ(r.json()["reason"], "The requested resource '/nope/x y' doesn't exist");
    EXPECT_EQ(r.json()["operation_id"], r.header("X-Operation-ID"));

    r = client_->del("/things/");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.json()["code"], "ambient-api-server-10");
    EXPECT_EQ(r.json()["reason"], "Method DELETE not allowed on '/things'");
}

TEST_F(ServerTest, MalformedPercentEncodingIs400) {
    route("GET", "/things/{id}", [](Request&) { return Response::text(200, "x"); });
    start();
    auto r = client_->get("/things/%zz");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["operation_id"], r.header("X-Operation-ID"));
    EXPECT_EQ(client_->get("/things/a?x=%4").status, 400);
}

TEST_F(ServerTest, MalformedRequestLineIs400AndClosed) {
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("NOT A REQUEST\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 400", 0), 0u) << got.data;
}

TEST_F(ServerTest, OversizedHeaderIs431) {
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(80 * 1024, 'a') + "\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 431", 0), 0u) << got.data.substr(0, 100);
    EXPECT_NE(got.data.find("ambient-api-server-21"), std::string::npos);
}

TEST_F(ServerTest, FramingHeadersAreTheServersAndNoContentHasNoLength) {
    route("DELETE", "/x", [](Request&) {
        Response r;
        r.status = 204;
        r.body = "ignored";
        return r;
    });
    route("GET", "/y", [](Request&) {
        auto r = Response::text(200, "abc");
        r.headers.emplace_back("Content-Length", "999");
        r.headers.emplace_back("Connection", "close");
        r.headers.emplace_back("Set-Cookie", "a=1");
        r.headers.emplace_back("Set-Cookie", "b=2");
        return r;
    });
    start();
    auto r = client_->del("/x");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.header("Content-Length"), "");
    r = client_->get("/y");
    EXPECT_EQ(r.body, "abc");
    EXPECT_EQ(r.header("Content-Length"), "3");
    EXPECT_EQ(r.header("Set-Cookie"), "a=1, b=2");
    EXPECT_EQ(r.header("Connection"), "");
    EXPECT_EQ(client_->connections_opened(), 1u);
}

TEST_F(ServerTest, HandlersRunOnAWorkerThreadNotAnIoThread) {
    std::thread::id handler_thread;
    bool on_pool = false;
    route("GET", "/where", [&](Request&) {
        handler_thread = std::this_thread::get_id();
        on_pool = server_->workers().get_executor().running_in_this_thread();
        return Response::text(200, "here");
    });
    options_.io_threads = 2;
    start();
    ASSERT_EQ(client_->get("/where").status, 200);
    const auto io = server_->io_thread_ids();
    ASSERT_EQ(io.size(), 2u);
    EXPECT_EQ(std::find(io.begin(), io.end(), handler_thread), io.end());
    EXPECT_NE(handler_thread, std::this_thread::get_id());
    EXPECT_TRUE(on_pool);
}

TEST_F(ServerTest, RoutesMarkedOnIoThreadRunThereWithTheirHook) {
    std::thread::id handler_thread;
    std::thread::id hook_thread;
    bool on_pool = true;
    router_.add({"GET", "/quick",
                 [&](Request&) {
                     handler_thread = std::this_thread::get_id();
                     on_pool = server_->workers().get_executor().running_in_this_thread();
                     return Response::text(200, "quick");
                 },
                 true, "", "", Runs::OnIoThread});
    hooks_.before = [&](Request&, const Route*) -> std::optional<Response> {
        hook_thread = std::this_thread::get_id();
        return std::nullopt;
    };
    std::string route_seen;
    hooks_.after = [&](const Request& r, int, double) { route_seen = r.route; };
    options_.io_threads = 2;
    start();
    auto r = client_->get("/quick");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "quick");
    EXPECT_FALSE(r.header("X-Operation-ID").empty());
    const auto io = server_->io_thread_ids();
    EXPECT_NE(std::find(io.begin(), io.end(), handler_thread), io.end());
    EXPECT_EQ(hook_thread, handler_thread);
    EXPECT_FALSE(on_pool);
    EXPECT_EQ(route_seen, "/quick");
}

// A route on the I/O thread whose work turns out to need waiting says so (WouldBlock) and
// is run again, from the start, on a worker: one answer, and the params and hook run again.
TEST_F(ServerTest, AnIoThreadRouteThatWouldBlockRunsAgainOnAWorker) {
    std::vector<bool> may_block_seen;
    std::vector<bool> on_pool_seen;
    int hook_calls = 0;
    router_.add({"GET", "/items/{id}",
                 [&](Request& request) {
                     may_block_seen.push_back(may_block());
                     on_pool_seen.push_back(server_->workers().get_executor().running_in_this_thread());
                     ensure_may_block();  // e.g. no idle database connection
                     return Response::text(200, "item " + request.param("id"));
                 },
                 true, "", "", Runs::OnIoThread});
    hooks_.before = [&](Request&, const Route*) -> std::optional<Response> {
        ++hook_calls;
        return std::nullopt;
    };
    int after_calls = 0;
    hooks_.after = [&](const Request&, int, double) { ++after_calls; };
    start();
    auto r = client_->get("/items/42");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "item 42");
    EXPECT_EQ(may_block_seen, (std::vector<bool>{false, true}));
    EXPECT_EQ(on_pool_seen, (std::vector<bool>{false, true}));
    EXPECT_EQ(hook_calls, 2);
    EXPECT_EQ(after_calls, 1);  // one request, one log line and one metric
    EXPECT_TRUE(may_block());   // the test's own thread was never marked
}

TEST_F(ServerTest, HeaderTimeoutClosesAConnectionThatSendsHalfAHeader) {
    options_.header_timeout = 1s;
    start();
    RawConnection raw("127.0.0.1", server_->port());
    const auto started = Clock::now();
    raw.send("GET /x HTTP/1.1\r\nHost: a\r\n");
    auto got = raw.read_until_closed(5s);
    const auto waited = Clock::now() - started;
    EXPECT_TRUE(got.closed);
    EXPECT_TRUE(got.data.empty()) << got.data;
    EXPECT_GE(waited, 900ms);
    EXPECT_LT(waited, 4s);
}

TEST_F(ServerTest, IdleTimeoutClosesAKeptAliveConnection) {
    options_.idle_timeout = 1s;
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 200", 0), 0u) << got.data;
}

TEST_F(ServerTest, AnswersExpect100Continue) {
    route("POST", "/x", [](Request& r) { return Response::text(200, "got " + r.body); });
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    raw.send("hello");  // a real client would wait for the 100 first; the order is the same
    raw.send("GET /nothing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u) << got.data;
    EXPECT_NE(got.data.find("got hello"), std::string::npos);
    EXPECT_NE(got.data.find("HTTP/1.1 404"), std::string::npos);  // pipelined request served
}

TEST_F(ServerTest, GzipsLargeBodiesForClientsThatAcceptIt) {
    std::string big = "[";
    for (int i = 0; i < 200; ++i)
        big += R"({"id":")" + std::to_string(i) + R"(","name":"item"},)";
    big.back() = ']';
    route("GET", "/big", [&](Request&) { return Response::json(200, big); });
    route("GET", "/small", [](Request&) { return Response::json(200, R"({"a":1})"); });
    start();

    auto r = client_->get("/big", {{"Accept-Encoding", "gzip, deflate"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Encoding"), "gzip");
    EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
    EXPECT_LT(r.body.size(), big.size());
    EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
    EXPECT_EQ(gunzip(r.body), big);

    r = client_->get("/big");
    EXPECT_EQ(r.header("Content-Encoding"), "");
    EXPECT_EQ(r.body, big);

    r = client_->get("/small", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(r.header("Content-Encoding"), "");
    EXPECT_EQ(r.body, R"({"a":1})");
}

TEST_F(ServerTest, BeforeHookCanShortCircuitWith401) {
    std::atomic<int> handled{0};
    route("GET", "/private", [&](Request&) {
        ++handled;
        return Response::text(200, "secret");
    });
    route(
        "GET", "/public", [&](Request&) { return Response::text(200, "hello"); }, true);
    hooks_.before = [](Request& r, const Route* route) -> std::optional<Response> {
        if (route != nullptr && route->is_public) return std::nullopt;
        if (r.header("Authorization") == "Bearer good") return std::nullopt;
        return Response::json(401, render_error_body(ErrorCode::Unauthenticated, "no", r.operation_id));
    };
    start();
    auto r = client_->get("/private");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.json()["operation_id"], r.header("X-Operation-ID"));
    EXPECT_EQ(client_->get("/nope").status, 401);  // the hook also sees unmatched requests
    EXPECT_EQ(client_->get("/public").status, 200);
    EXPECT_EQ(handled.load(), 0);
    client_->set_bearer("good");
    EXPECT_EQ(client_->get("/private").body, "secret");
    EXPECT_EQ(client_->get("/nope").status, 404);
}

TEST_F(ServerTest, AfterHookFeedsTheMetrics) {
    Metrics metrics;
    hooks_.after = [&](const Request& r, int status, double seconds) {
        metrics.record_request(r.method, r.route, status, seconds);
    };
    route("GET", "/things/{id}", [](Request&) { return Response::text(200, "x"); });
    start();
    ASSERT_EQ(client_->get("/things/abc").status, 200);
    ASSERT_EQ(client_->get("/missing").status, 404);
    const auto text = metrics.render_prometheus();
    EXPECT_NE(text.find(R"(ambient_http_requests_total{method="GET",route="/things/{id}",status="200"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(ambient_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
              std::string::npos)
        << text;
}

TEST_F(ServerTest, StopClosesIdleConnectionsPromptly) {
    options_.shutdown_grace = 10s;
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    ASSERT_EQ(client_->get("/x").status, 200);
    ASSERT_EQ(server_->connection_count(), 1u);
    const auto started = Clock::now();
    server_->stop();
    EXPECT_LT(Clock::now() - started, 2s);
    EXPECT_EQ(server_->connection_count(), 0u);
    server_->stop();  // idempotent
}

TEST_F(ServerTest, StopLetsAnInFlightRequestFinish) {
    options_.shutdown_grace = 5s;
    std::atomic<bool> entered{false};
    route("GET", "/slow", [&](Request&) {
        entered = true;
        std::this_thread::sleep_for(500ms);
        return Response::text(200, "done");
    });
    start();
    std::optional<ambient::testing::HttpResult> result;
    std::thread caller([&] { result = client_->get("/slow"); });
    const auto deadline = Clock::now() + 5s;
    while (!entered && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    server_->stop();
    caller.join();
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "done");
    EXPECT_EQ(result->header("Connection"), "close");
}

TEST_F(ServerTest, MethodsAreCaseSensitiveAndUnknownOnesAre501) {
    std::atomic<int> hook_calls{0};
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    hooks_.before = [&](Request&, const Route*) -> std::optional<Response> {
        ++hook_calls;
        return std::nullopt;
    };
    start();
    for (const char* method : {"get", "Get", "BREW"}) {
        auto r = client_->request(method, "/x");
        EXPECT_EQ(r.status, 501) << method;
        EXPECT_EQ(r.json()["code"], "ambient-api-server-10") << method;
    }
    EXPECT_EQ(hook_calls.load(), 0);            // refused before routing and authentication
    EXPECT_EQ(client_->del("/x").status, 405);  // a known method the path does not serve
    EXPECT_EQ(client_->get("/x").status, 200);
}

TEST_F(ServerTest, ABodyAfterAnUnchunkedTransferEncodingIsNeverASecondRequest) {
    std::atomic<int> smuggled{0};
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    route("GET", "/smuggled", [&](Request&) {
        ++smuggled;
        return Response::text(200, "smuggled");
    });
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send(
        "GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
        "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 400", 0), 0u) << got.data;
    EXPECT_EQ(got.data.find("HTTP/1.1", 1), std::string::npos) << got.data;
    EXPECT_EQ(smuggled.load(), 0);
}

TEST_F(ServerTest, ObsoleteLineFoldingIs400AndClosed) {
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    RawConnection raw("127.0.0.1", server_->port());
    raw.send("GET /x HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    auto got = raw.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 400", 0), 0u) << got.data;
    EXPECT_EQ(got.data.find("HTTP/1.1", 1), std::string::npos) << got.data;
}

TEST_F(ServerTest, AnEncodedSlashNeverSplitsAPathSegment) {
    std::atomic<int> calls{0};
    route("GET", "/things/{id}/parts", [&](Request&) {
        ++calls;
        return Response::text(200, "parts");
    });
    route("GET", "/things/{id}", [&](Request&) {
        ++calls;
        return Response::text(200, "thing");
    });
    start();
    EXPECT_EQ(client_->get("/things/a%2Fparts").status, 400);
    EXPECT_EQ(client_->get("/things/a%00").status, 400);
    EXPECT_EQ(calls.load(), 0);
    EXPECT_EQ(client_->get("/things/a%20b").body, "thing");
}

TEST_F(ServerTest, AClientOverItsConnectionCapIsRefusedAtOnce) {
    options_.max_connections_per_client = 3;
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 3; ++i)
        held.push_back(std::make_unique<RawConnection>("127.0.0.1", server_->port()));
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() < 3 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_EQ(server_->connection_count(), 3u);

    RawConnection over("127.0.0.1", server_->port());
    const auto started = Clock::now();
    auto got = over.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_LT(Clock::now() - started, 1s);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 503", 0), 0u) << got.data;
    EXPECT_EQ(server_->connection_stats().refused_per_client, 1u);
    EXPECT_EQ(server_->connection_count(), 3u);

    held.pop_back();  // one closes: the client may connect again
    while (server_->connection_count() > 2 && Clock::now() < deadline + 5s)
        std::this_thread::sleep_for(5ms);
    EXPECT_EQ(client_->get("/x").status, 200);
}

TEST_F(ServerTest, AtTheGlobalCapAnIdleConnectionMakesRoomForANewClient) {
    options_.max_connections = 4;
    options_.max_connections_per_client = 0;
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 12; ++i)
        idle.push_back(std::make_unique<RawConnection>("127.0.0.1", server_->port()));
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_stats().evicted_idle < 8 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_EQ(server_->connection_stats().evicted_idle, 8u);
    EXPECT_EQ(client_->get("/x").status, 200);
    EXPECT_EQ(server_->connection_stats().refused_at_capacity, 0u);
    // The first ones, idle longest, were closed.
    EXPECT_TRUE(idle.front()->read_until_closed(2s).closed);
}

TEST_F(ServerTest, AtTheGlobalCapWithEveryConnectionBusyTheNewOneIsRefused) {
    options_.max_connections = 2;
    options_.max_connections_per_client = 0;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> entered{0};
    route("GET", "/slow", [&](Request&) {
        ++entered;
        released.wait();
        return Response::text(200, "done");
    });
    start();
    // Two requests hold both slots until released, whatever the assertions below do.
    std::vector<std::thread> callers;
    struct Release {
        std::promise<void>& release;
        std::vector<std::thread>& callers;
        ~Release() {
            release.set_value();
            for (auto& caller : callers)
                caller.join();
        }
    } on_exit{release, callers};
    for (int i = 0; i < 2; ++i) {
        callers.emplace_back([port = server_->port()] {
            try {
                HttpClient("127.0.0.1", port).get("/slow");
            } catch (const std::exception&) {
                // the assertions report what went wrong
            }
        });
    }
    const auto deadline = Clock::now() + 5s;
    while (entered < 2 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_EQ(entered.load(), 2);

    RawConnection over("127.0.0.1", server_->port());
    auto got = over.read_until_closed(5s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 503", 0), 0u) << got.data;
    EXPECT_EQ(server_->connection_stats().refused_at_capacity, 1u);
}

TEST_F(ServerTest, NearTheCapIdleConnectionsGetTheShortIdleTimeout) {
    options_.max_connections = 10;
    options_.max_connections_per_client = 0;
    options_.idle_timeout = 60s;
    options_.crowded_idle_timeout = 1s;
    route("GET", "/x", [](Request&) { return Response::text(200, "x"); });
    start();
    std::vector<std::unique_ptr<RawConnection>> others;
    for (int i = 0; i < 8; ++i)
        others.push_back(std::make_unique<RawConnection>("127.0.0.1", server_->port()));
    const auto deadline = Clock::now() + 5s;
    while (server_->connection_count() < 8 && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);

    RawConnection raw("127.0.0.1", server_->port());  // the 9th: above 80%
    raw.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto started = Clock::now();
    auto got = raw.read_until_closed(10s);
    EXPECT_TRUE(got.closed);
    EXPECT_EQ(got.data.rfind("HTTP/1.1 200", 0), 0u) << got.data;
    EXPECT_LT(Clock::now() - started, 4s);
}

TEST_F(ServerTest, BodiesOverTheGzipLimitAreSentUncompressed) {
    options_.gzip_max_bytes = 16 * 1024;
    const std::string big(64 * 1024, 'a');
    route("GET", "/big", [&](Request&) { return Response::json(200, big); });
    start();
    auto r = client_->get("/big", {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(r.header("Content-Encoding"), "");
    EXPECT_EQ(r.body, big);
}

TEST(Server, RunUntilSignalStopsOnSigterm) {
    Router router;
    ServerOptions options;
    options.port = 0;
    Server server(options, router);
    server.start();
    // Until run_until_signal() has installed its handler, SIGTERM must not kill the test:
    // ignore it meanwhile and keep raising it until the server has stopped.
    std::signal(SIGTERM, SIG_IGN);
    std::atomic<bool> returned{false};
    std::thread raiser([&] {
        const auto deadline = Clock::now() + 10s;
        while (!returned && Clock::now() < deadline) {
            std::raise(SIGTERM);
            std::this_thread::sleep_for(20ms);
        }
    });
    server.run_until_signal();
    returned = true;
    raiser.join();
    std::signal(SIGTERM, SIG_DFL);
    EXPECT_THROW(RawConnection("127.0.0.1", server.port(), 2s), std::runtime_error);
}

TEST(Server, RunUntilSignalReturnsWhenStoppedElsewhere) {
    Router router;
    ServerOptions options;
    options.port = 0;
    Server server(options, router);
    server.start();
    std::thread stopper([&] {
        // Any connection proves the server runs; stop() then ends run_until_signal().
        RawConnection probe("127.0.0.1", server.port());
        server.stop();
    });
    server.run_until_signal();
    stopper.join();
    EXPECT_EQ(server.connection_count(), 0u);
}

TEST(Server, StartThrowsWhenThePortIsTaken) {
    Router router;
    ServerOptions options;
    options.port = 0;
    Server first(options, router);
    first.start();
    options.port = first.port();
    Server second(options, router);
    EXPECT_THROW(second.start(), std::runtime_error);
}

}  // namespace
}  // namespace ambient::http
