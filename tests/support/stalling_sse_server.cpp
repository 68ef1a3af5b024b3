#include "support/stalling_sse_server.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ambient::testing {

struct StallingSseServer::State {
    std::vector<Step> script;
    std::string json_reply;
    mutable std::mutex mutex;
    std::vector<Seen> seen;
    std::atomic<std::size_t> open{0};
};

namespace {

// Counts a stream as open for as long as its producer runs.
struct OpenCount {
    explicit OpenCount(std::atomic<std::size_t>& n) : n_(n) { ++n_; }
    ~OpenCount() { --n_; }
    OpenCount(const OpenCount&) = delete;
    OpenCount& operator=(const OpenCount&) = delete;
    std::atomic<std::size_t>& n_;
};

boost::asio::awaitable<void> play(std::shared_ptr<StallingSseServer::State> state, StallingSseServer::Step step,
                                  http::StreamWriter& writer) {
    OpenCount counted(state->open);
    if (step.stall) {
        co_await write_then_stall(writer, std::move(step.body));
    } else if (!step.body.empty()) {
        co_await writer.write(std::move(step.body));
    }
}

}  // namespace

boost::asio::awaitable<void> write_then_stall(http::StreamWriter& writer, std::string body) {
    if (!body.empty() && !co_await writer.write(std::move(body))) co_return;
    // Silent, but watching for the client's departure (or the server's stop), so a test can
    // see the reader drop the connection.
    boost::asio::steady_timer timer(writer.executor());
    while (!writer.stopping()) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

StallingSseServer::StallingSseServer(std::string path, std::vector<Step> script, std::string json_reply)
    : state_(std::make_shared<State>()) {
    state_->script = std::move(script);
    state_->json_reply = std::move(json_reply);
    router_.add({"GET", path,
                 [state = state_](http::Request& req) {
                     if (req.header("Accept").value_or("").find("text/event-stream") == std::string_view::npos) {
                         return state->json_reply.empty() ? http::Response::json(406, "{}")
                                                          : http::Response::json(200, state->json_reply);
                     }
                     std::size_t n = 0;
                     {
                         std::lock_guard lock(state->mutex);
                         state->seen.push_back({req.target, std::string(req.header("Last-Event-ID").value_or(""))});
                         n = state->seen.size() - 1;
                     }
                     if (n >= state->script.size()) return http::Response::json(503, "{}");
                     http::Response r;
                     r.set_header("Content-Type", "text/event-stream");
                     r.stream = [state, step = state->script[n]](http::StreamWriter& w) {
                         return play(state, step, w);
                     };
                     return r;
                 },
                 true});
    http::ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<http::Server>(options, router_);
    server_->start();
}

StallingSseServer::~StallingSseServer() {
    server_->stop();
}

std::string StallingSseServer::url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port());
}

std::vector<StallingSseServer::Seen> StallingSseServer::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->seen;
}

std::size_t StallingSseServer::open_streams() const {
    return state_->open.load();
}

std::string sse_frame(const std::string& id, const std::string& data, const std::string& event) {
    std::string out;
    if (!id.empty()) out += "id: " + id + "\n";
    if (!event.empty()) out += "event: " + event + "\n";
    return out + "data: " + data + "\n\n";
}

}  // namespace ambient::testing
