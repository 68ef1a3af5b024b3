// The turn loop against a fake API server in-process: a message stream that drops is
// resumed with Last-Event-ID from the last message seen, so no turn is missed or run twice.
#include "runner/turn_loop.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <mutex>
#include <thread>

#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "runner/agents/echo_agent.hpp"
#include "support/stalling_sse_server.hpp"

namespace ambient::runner {
namespace {

using nlohmann::json;

std::string frame(std::int64_t seq, const std::string& type, const std::string& payload) {
    return "id: " + std::to_string(seq) +
           "\ndata: " + json{{"seq", seq}, {"event_type", type}, {"payload", payload}}.dump() + "\n\n";
}

// A session's API as the runner sees it: no history, a message stream each of whose
// connections `answer` shapes (from the connection's number, counting from 0, and the
// Last-Event-ID it resumes from), and the messages the runner posts back.
class FakeSessionApi {
public:
    using StreamAnswer = std::function<http::StreamProducer(std::size_t connection, const std::string& resume)>;

    explicit FakeSessionApi(StreamAnswer answer) : answer_(std::move(answer)) {
        router_.add({"GET", "/api/ambient/v1/sessions/{id}/messages",
                     [this](http::Request& req) {
                         if (req.header("Accept").value_or("").find("text/event-stream") == std::string::npos) {
                             return http::Response::json(200, "[]");  // no history
                         }
                         const std::string resume(req.header("Last-Event-ID").value_or(""));
                         http::Response r;
                         r.set_header("Content-Type", "text/event-stream");
                         std::lock_guard lock(mutex_);
                         r.stream = answer_(last_event_ids_.size(), resume);
                         last_event_ids_.push_back(resume);
                         return r;
                     },
                     true});
        router_.add({"POST", "/api/ambient/v1/sessions/{id}/messages",
                     [this](http::Request& req) {
                         auto body = json::parse(req.body);
                         std::lock_guard lock(mutex_);
                         pushed_.push_back(body);
                         return http::Response::json(201, json{{"seq", 1000 + pushed_.size()}}.dump());
                     },
                     true});
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::Server>(options, router_);
        server_->start();
    }
    ~FakeSessionApi() { server_->stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
    std::vector<std::string> last_event_ids() {
        std::lock_guard lock(mutex_);
        return last_event_ids_;
    }
    std::vector<json> pushed() {
        std::lock_guard lock(mutex_);
        return pushed_;
    }

private:
    StreamAnswer answer_;
    http::Router router_;
    std::unique_ptr<http::Server> server_;
    std::mutex mutex_;
    std::vector<std::string> last_event_ids_;
    std::vector<json> pushed_;
};

// A session whose message stream gives one new user message per connection and then drops.
// Each connection replays nothing old: it sends the next message only.
http::StreamProducer one_message_then_drop(std::size_t connection, const std::string&) {
    const auto seq = static_cast<std::int64_t>(connection) + 1;
    std::string body = frame(seq, "user", "turn " + std::to_string(seq));
    return [body](http::StreamWriter& w) -> boost::asio::awaitable<void> { co_await w.write(body); };
}

TEST(TurnLoop, ADroppedMessageStreamIsResumedFromTheLastSeqSeen) {
    FakeSessionApi fake(one_message_then_drop);
    RunnerConfig config;
    config.session_id = "s1";
    config.project_name = "p";
    config.backend_api_url = fake.url();
    config.bot_token = "token";
    config.workspace_path = std::filesystem::temp_directory_path() / ("turn-loop-" + std::to_string(getpid()));
    config.repos_override = std::vector<RepoSpec>{};
    TokenSource tokens({}, "token");
    ApiClient api(config.backend_api_url, config.session_id, tokens);
    auto agent = make_echo_agent();
    Redactor redactor;
    agui::EventHub hub;
    TurnLoop loop(config, api, *agent, redactor, hub);
    std::thread runner([&] { loop.run(); });
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (loop.last_finished_seq() < 3 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    loop.stop();
    runner.join();
    std::filesystem::remove_all(config.workspace_path);

    ASSERT_GE(loop.last_finished_seq(), 3);
    const auto ids = fake.last_event_ids();
    ASSERT_GE(ids.size(), 3u);
    // The first connection starts after the (empty) history; each next one resumes after
    // the message the previous one delivered.
    EXPECT_EQ(ids[0], "0");
    EXPECT_EQ(ids[1], "1");
    EXPECT_EQ(ids[2], "2");
    std::vector<std::string> replies;
    for (const auto& m : fake.pushed())
        if (m["event_type"] == "assistant") replies.push_back(m["payload"]);
    ASSERT_GE(replies.size(), 3u);
    EXPECT_EQ(replies[0], "echo: turn 1");
    EXPECT_EQ(replies[1], "echo: turn 2");
    EXPECT_EQ(replies[2], "echo: turn 3");
}

// A session whose message stream misbehaves the way a server behind a failover may: the
// first connection delivers user message 1 and then goes silent without closing; a
// connection resuming after 1 gets message 2 and goes silent too; any later one is silent.
http::StreamProducer one_message_then_stall(std::size_t connection, const std::string& resume) {
    std::string body;
    if (connection == 0) body = frame(1, "user", "turn 1");
    if (connection > 0 && resume == "1") body = frame(2, "user", "turn 2");
    return [body](http::StreamWriter& w) { return testing::write_then_stall(w, body); };
}

TEST(TurnLoop, AStalledMessageStreamIsDroppedAndResumedAfterTheLastSeqSeen) {
    FakeSessionApi fake(one_message_then_stall);
    RunnerConfig config;
    config.session_id = "s1";
    config.project_name = "p";
    config.backend_api_url = fake.url();
    config.bot_token = "token";
    config.workspace_path = std::filesystem::temp_directory_path() / ("turn-loop-stall-" + std::to_string(getpid()));
    config.repos_override = std::vector<RepoSpec>{};
    // A test-sized interval: the server would ping every 100 ms; three of those is silence.
    config.message_stream_idle_timeout = std::chrono::milliseconds(300);
    TokenSource tokens({}, "token");
    ApiClient api(config.backend_api_url, config.session_id, tokens);
    auto agent = make_echo_agent();
    Redactor redactor;
    agui::EventHub hub;
    TurnLoop loop(config, api, *agent, redactor, hub);
    const auto started = std::chrono::steady_clock::now();
    std::thread runner([&] { loop.run(); });
    // Two stalls to get through: each is noticed within the idle timeout plus libcurl's
    // look at the clock (about a second at worst) and a backoff of at most 250 ms.
    const auto until = started + std::chrono::seconds(10);
    while (loop.last_finished_seq() < 2 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto took = std::chrono::steady_clock::now() - started;
    loop.stop();
    runner.join();
    std::filesystem::remove_all(config.workspace_path);

    ASSERT_EQ(loop.last_finished_seq(), 2);
    EXPECT_LT(took, std::chrono::seconds(5));
    const auto ids = fake.last_event_ids();
    ASSERT_GE(ids.size(), 2u);
    EXPECT_EQ(ids[0], "0");
    EXPECT_EQ(ids[1], "1");  // resumed right after the message the stalled stream delivered
    if (ids.size() > 2) {
        EXPECT_EQ(ids[2], "2");
    }
    std::vector<std::string> replies;
    for (const auto& m : fake.pushed())
        if (m["event_type"] == "assistant") replies.push_back(m["payload"]);
    EXPECT_EQ(replies, (std::vector<std::string>{"echo: turn 1", "echo: turn 2"}));  // each turn once
}

}  // namespace
}  // namespace ambient::runner
