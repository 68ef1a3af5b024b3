#include "support/fake_github.hpp"

#include <condition_variable>
#include <mutex>

#include "common/http/server.hpp"

namespace ambient::testing {

struct FakeGitHub::State {
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<Request> requests;
};

struct FakeGitHub::Server {
    http::Router router;
    std::unique_ptr<http::Server> server;
};

namespace {

http::Response record(const std::shared_ptr<FakeGitHub::State>& state, const http::Request& req) {
    {
        std::lock_guard lock(state->mutex);
        state->requests.push_back({req.method, req.target, std::string(req.header("authorization").value_or(""))});
    }
    state->changed.notify_all();
    if (req.path == "/user") {
        // The fields clients such as gh read first; the login is the fake's, whatever the token.
        return http::Response::json(200, R"({"login":"fake-user","id":1,"type":"User"})");
    }
    return http::Response::json(200, R"({"current_user_url":"/user"})");
}

}  // namespace

FakeGitHub::FakeGitHub() : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
    auto handler = [state = state_](http::Request& req) { return record(state, req); };
    server_->router.add({"GET", "/user", handler});
    server_->router.add({"GET", "/", handler});
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    options.shutdown_grace = std::chrono::seconds(2);
    server_->server = std::make_unique<http::Server>(options, server_->router);
    server_->server->start();
}

FakeGitHub::~FakeGitHub() {
    server_->server->stop();
}

std::string FakeGitHub::base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->server->port());
}

std::vector<FakeGitHub::Request> FakeGitHub::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->requests;
}

bool FakeGitHub::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->requests.size() >= count; });
}

std::string github_token_of(const std::string& authorization) {
    for (const std::string prefix : {"token ", "Bearer ", "bearer "}) {
        if (authorization.rfind(prefix, 0) == 0) return authorization.substr(prefix.size());
    }
    return authorization;
}

}  // namespace ambient::testing
