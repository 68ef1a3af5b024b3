#include "support/fake_runner.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/http/server.hpp"

namespace ambient::testing {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

struct FakeRunner::State {
    std::string session_id;
    int count = 0;
    std::chrono::milliseconds interval{0};
    int error_status = 404;
    mutable std::mutex mutex;
    std::string last_event_id;
    std::string accept;
    std::string authorization;
    std::vector<Clock::time_point> sent;
    std::atomic<bool> client_gone{false};
};

struct FakeRunner::Server {
    http::Router router;
    std::unique_ptr<http::Server> server;
};

namespace {

http::Response serve(const std::shared_ptr<FakeRunner::State>& state, http::Request& req) {
    if (req.param("id") != state->session_id) return http::Response::text(state->error_status, "no such thread");
    int first = 1;
    {
        std::lock_guard lock(state->mutex);
        state->last_event_id = std::string(req.header("Last-Event-ID").value_or(""));
        state->accept = std::string(req.header("Accept").value_or(""));
        state->authorization = std::string(req.header("Authorization").value_or(""));
        if (!state->last_event_id.empty()) first = std::stoi(state->last_event_id) + 1;
    }
    http::Response r;
    r.headers = {{"Content-Type", "text/event-stream"}};
    r.stream = [state, first](http::StreamWriter& w) -> net::awaitable<void> {
        for (int i = 0; state->count < 0 || i < state->count; ++i) {
            net::steady_timer timer(w.executor(), state->interval);
            boost::system::error_code ec;
            co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
            {
                std::lock_guard lock(state->mutex);
                state->sent.push_back(Clock::now());
            }
            const auto n = std::to_string(first + i);
            if (!co_await w.write("id: " + n + "\n") ||
                !co_await w.write("data: {\"type\":\"TEXT_MESSAGE_CONTENT\",\"n\":" + n + "}\n\n")) {
                state->client_gone = true;
                co_return;
            }
        }
    };
    return r;
}

}  // namespace

FakeRunner::FakeRunner(std::string session_id, int count, std::chrono::milliseconds interval, int error_status)
    : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
    state_->session_id = std::move(session_id);
    state_->count = count;
    state_->interval = interval;
    state_->error_status = error_status;
    server_->router.add({"GET", "/events/{id}", [state = state_](http::Request& req) { return serve(state, req); }});
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    server_->server = std::make_unique<http::Server>(options, server_->router);
    server_->server->start();
}

FakeRunner::~FakeRunner() {
    server_->server->stop();
}

std::string FakeRunner::url() const {
    return "http://127.0.0.1:" + std::to_string(server_->server->port());
}

std::string FakeRunner::last_event_id() const {
    std::lock_guard lock(state_->mutex);
    return state_->last_event_id;
}

std::string FakeRunner::accept() const {
    std::lock_guard lock(state_->mutex);
    return state_->accept;
}

std::string FakeRunner::authorization() const {
    std::lock_guard lock(state_->mutex);
    return state_->authorization;
}

Clock::time_point FakeRunner::sent_at(std::size_t index) const {
    std::lock_guard lock(state_->mutex);
    return index < state_->sent.size() ? state_->sent[index] : Clock::time_point::max();
}

bool FakeRunner::client_gone() const {
    return state_->client_gone.load();
}

}  // namespace ambient::testing
