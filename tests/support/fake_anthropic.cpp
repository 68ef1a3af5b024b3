#include "support/fake_anthropic.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/http/server.hpp"

namespace ambient::testing {

namespace net = boost::asio;
using nlohmann::json;

FakeAnthropic::Reply FakeAnthropic::Reply::answer(std::string text, std::string thinking) {
    Reply r;
    r.kind = Kind::Text;
    r.text = std::move(text);
    r.thinking = std::move(thinking);
    return r;
}

FakeAnthropic::Reply FakeAnthropic::Reply::tool_use(std::string name, json input) {
    Reply r;
    r.kind = Kind::ToolUse;
    r.tool_name = std::move(name);
    r.tool_input = std::move(input);
    return r;
}

FakeAnthropic::Reply FakeAnthropic::Reply::error(int status, std::string message, std::string type) {
    Reply r;
    r.kind = Kind::Error;
    r.status = status;
    r.text = std::move(message);
    r.error_type = std::move(type);
    return r;
}

FakeAnthropic::Reply FakeAnthropic::Reply::stall() {
    Reply r;
    r.kind = Kind::Stall;
    return r;
}

FakeAnthropic::Reply FakeAnthropic::Reply::truncated(std::string text) {
    Reply r;
    r.kind = Kind::Truncated;
    r.text = std::move(text);
    return r;
}

struct FakeAnthropic::State {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::deque<Reply> script;
    std::vector<Request> requests;
    int messages_answered = 0;
};

struct FakeAnthropic::Server {
    http::Router router;
    std::unique_ptr<http::Server> server;
};

namespace {

constexpr json::value_t kNull = json::value_t::null;

json usage(int input, int output) {
    return {{"input_tokens", input},
            {"output_tokens", output},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", 0}};
}

// The content blocks of a reply: as streamed (start, deltas) and as the final message.
struct Block {
    json start;                // content_block_start's content_block
    std::vector<json> deltas;  // content_block_delta's delta
    json final_block;          // the block in a non-streamed message
};

std::vector<Block> blocks_of(const FakeAnthropic::Reply& reply, int n) {
    std::vector<Block> blocks;
    if (!reply.thinking.empty()) {
        blocks.push_back({{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}},
                          {{{"type", "thinking_delta"}, {"thinking", reply.thinking}},
                           {{"type", "signature_delta"}, {"signature", "ZmFrZS1zaWduYXR1cmU="}}},
                          {{"type", "thinking"}, {"thinking", reply.thinking}, {"signature", "ZmFrZS1zaWduYXR1cmU="}}});
    }
    if (reply.kind == FakeAnthropic::Reply::Kind::ToolUse) {
        const auto id = "toolu_fake_" + std::to_string(n);
        const auto input = reply.tool_input.dump();
        // Split, as the real API does, so a client must join the partial JSON.
        const auto half = input.size() / 2;
        blocks.push_back({{{"type", "tool_use"}, {"id", id}, {"name", reply.tool_name}, {"input", json::object()}},
                          {{{"type", "input_json_delta"}, {"partial_json", input.substr(0, half)}},
                           {{"type", "input_json_delta"}, {"partial_json", input.substr(half)}}},
                          {{"type", "tool_use"}, {"id", id}, {"name", reply.tool_name}, {"input", reply.tool_input}}});
    } else {
        // In two halves (a test can count on two deltas), so text arrives in pieces.
        const auto half = reply.text.size() / 2;
        std::vector<json> deltas;
        for (const auto& piece : {reply.text.substr(0, half), reply.text.substr(half)}) {
            if (!piece.empty()) deltas.push_back({{"type", "text_delta"}, {"text", piece}});
        }
        blocks.push_back({{{"type", "text"}, {"text", ""}}, deltas, {{"type", "text"}, {"text", reply.text}}});
    }
    return blocks;
}

std::string sse(const std::string& event, const json& data) {
    return "event: " + event + "\ndata: " + data.dump() + "\n\n";
}

http::Response answer(const std::shared_ptr<FakeAnthropic::State>& state, const http::Request& req) {
    const auto body = json::parse(req.body, nullptr, false);
    std::optional<FakeAnthropic::Reply> reply;
    int n = 0;
    {
        std::lock_guard lock(state->mutex);
        if (!state->script.empty()) {
            reply = std::move(state->script.front());
            state->script.pop_front();
        }
        n = ++state->messages_answered;
    }
    if (!reply) reply = FakeAnthropic::Reply::error(500, "fake Anthropic API: no reply scripted");
    if (reply->kind == FakeAnthropic::Reply::Kind::Error) {
        return http::Response::json(
            reply->status,
            json{{"type", "error"}, {"error", {{"type", reply->error_type}, {"message", reply->text}}}}.dump());
    }
    const std::string model = body.is_object() ? body.value("model", "claude-fake") : "claude-fake";
    const std::string message_id = "msg_fake_" + std::to_string(n);
    const bool stream = body.is_object() && body.value("stream", false);
    const auto blocks = blocks_of(*reply, n);
    const std::string stop_reason = reply->kind == FakeAnthropic::Reply::Kind::ToolUse ? "tool_use" : "end_turn";

    if (!stream) {
        json content = json::array();
        for (const auto& b : blocks)
            content.push_back(b.final_block);
        return http::Response::json(200, json{{"id", message_id},
                                              {"type", "message"},
                                              {"role", "assistant"},
                                              {"model", model},
                                              {"content", content},
                                              {"stop_reason", stop_reason},
                                              {"stop_sequence", kNull},
                                              {"usage", usage(12, 7)}}
                                             .dump());
    }

    std::vector<std::string> events;
    events.push_back(sse("message_start", {{"type", "message_start"},
                                           {"message",
                                            {{"id", message_id},
                                             {"type", "message"},
                                             {"role", "assistant"},
                                             {"model", model},
                                             {"content", json::array()},
                                             {"stop_reason", kNull},
                                             {"stop_sequence", kNull},
                                             {"usage", usage(12, 1)}}}}));
    const bool stall = reply->kind == FakeAnthropic::Reply::Kind::Stall;
    if (reply->kind == FakeAnthropic::Reply::Kind::Truncated) {
        events.push_back(sse("content_block_start",
                             {{"type", "content_block_start"}, {"index", 0}, {"content_block", blocks[0].start}}));
        events.push_back(sse("content_block_delta",
                             {{"type", "content_block_delta"}, {"index", 0}, {"delta", blocks[0].deltas[0]}}));
    } else if (!stall) {
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            events.push_back(sse("content_block_start",
                                 {{"type", "content_block_start"}, {"index", i}, {"content_block", blocks[i].start}}));
            for (const auto& d : blocks[i].deltas)
                events.push_back(
                    sse("content_block_delta", {{"type", "content_block_delta"}, {"index", i}, {"delta", d}}));
            events.push_back(sse("content_block_stop", {{"type", "content_block_stop"}, {"index", i}}));
        }
        events.push_back(sse("message_delta", {{"type", "message_delta"},
                                               {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", kNull}}},
                                               {"usage", {{"output_tokens", 7}}}}));
        events.push_back(sse("message_stop", {{"type", "message_stop"}}));
    }
    http::Response r;
    r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    r.stream = [events = std::move(events), stall](http::StreamWriter& w) -> net::awaitable<void> {
        for (const auto& e : events) {
            if (!co_await w.write(e)) co_return;
        }
        // A stalled stream stays open, silent, until the client leaves or the fake stops.
        while (stall && !w.stopping()) {
            net::steady_timer timer(w.executor(), std::chrono::milliseconds(50));
            boost::system::error_code ec;
            co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
    };
    return r;
}

http::Response record(const std::shared_ptr<FakeAnthropic::State>& state, http::Request& req) {
    FakeAnthropic::Request recorded;
    recorded.method = req.method;
    recorded.target = req.target;
    recorded.body = json::parse(req.body, nullptr, false);
    if (recorded.body.is_discarded()) recorded.body = nullptr;
    recorded.api_key = std::string(req.header("x-api-key").value_or(""));
    {
        std::lock_guard lock(state->mutex);
        state->requests.push_back(recorded);
    }
    state->changed.notify_all();
    if (req.method == "HEAD" || req.method == "GET") return http::Response::text(200, "");
    if (req.path == "/v1/messages/count_tokens") return http::Response::json(200, R"({"input_tokens":42})");
    return answer(state, req);
}

}  // namespace

FakeAnthropic::FakeAnthropic() : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
    auto handler = [state = state_](http::Request& req) { return record(state, req); };
    server_->router.add({"POST", "/v1/messages", handler});
    server_->router.add({"POST", "/v1/messages/count_tokens", handler});
    server_->router.add({"HEAD", "/", handler});
    server_->router.add({"GET", "/", handler});
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.max_body_bytes = 64 * 1024 * 1024;  // the CLI sends its whole conversation and tools
    options.shutdown_grace = std::chrono::seconds(2);
    server_->server = std::make_unique<http::Server>(options, server_->router);
    server_->server->start();
}

FakeAnthropic::~FakeAnthropic() {
    server_->server->stop();
}

std::string FakeAnthropic::base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->server->port());
}

void FakeAnthropic::script(Reply reply) {
    std::lock_guard lock(state_->mutex);
    state_->script.push_back(std::move(reply));
}

std::size_t FakeAnthropic::unanswered() const {
    std::lock_guard lock(state_->mutex);
    return state_->script.size();
}

std::vector<FakeAnthropic::Request> FakeAnthropic::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
}

std::vector<FakeAnthropic::Request> FakeAnthropic::message_requests() const {
    std::vector<Request> out;
    for (auto& r : requests()) {
        if (r.method == "POST" && r.target.starts_with("/v1/messages") &&
            !r.target.starts_with("/v1/messages/count_tokens"))
            out.push_back(std::move(r));
    }
    return out;
}

bool FakeAnthropic::wait_for_message_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (message_requests().size() < count) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::unique_lock lock(state_->mutex);
        state_->changed.wait_for(lock, std::chrono::milliseconds(50));
    }
    return true;
}

namespace {

template <typename Fn>
void for_each_block(const json& request_body, const std::string& role, Fn fn) {
    if (!request_body.is_object() || !request_body.contains("messages")) return;
    for (const auto& m : request_body["messages"]) {
        if (!m.is_object() || m.value("role", "") != role) continue;
        const auto& content = m["content"];
        if (content.is_string()) {
            fn(json{{"type", "text"}, {"text", content}});
        } else if (content.is_array()) {
            for (const auto& b : content)
                fn(b);
        }
    }
}

}  // namespace

std::vector<std::string> tool_results_in(const json& request_body) {
    std::vector<std::string> out;
    for_each_block(request_body, "user", [&](const json& b) {
        if (b.value("type", "") != "tool_result") return;
        const auto& c = b.contains("content") ? b["content"] : json();
        if (c.is_string()) {
            out.push_back(c.get<std::string>());
        } else if (c.is_array()) {
            std::string text;
            for (const auto& part : c)
                text += part.value("text", "");
            out.push_back(text);
        }
    });
    return out;
}

std::vector<std::string> user_texts_in(const json& request_body) {
    std::vector<std::string> out;
    for_each_block(request_body, "user", [&](const json& b) {
        if (b.value("type", "") == "text") out.push_back(b.value("text", ""));
    });
    return out;
}

}  // namespace ambient::testing
