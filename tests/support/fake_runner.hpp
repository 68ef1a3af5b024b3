#pragma once
// A fake runner over plain HTTP, for tests of the events proxy: the project's own HTTP server
// on 127.0.0.1 and a free port, with the runner's streaming route. GET /events/<session id>
// answers text/event-stream: `count` events (-1: until the client leaves) `interval` apart,
// each sent in two writes (so a proxy must pass partial events through), ids counting on
// from the request's Last-Event-ID. Any other id gets `error_status`. It is a fake: it only
// records what it was asked and when it sent each event.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ambient::testing {

class FakeRunner {
public:
    FakeRunner(std::string session_id, int count, std::chrono::milliseconds interval, int error_status = 404);
    ~FakeRunner();
    FakeRunner(const FakeRunner&) = delete;
    FakeRunner& operator=(const FakeRunner&) = delete;

    std::string url() const;
    std::string last_event_id() const;
    std::string accept() const;
    // The Authorization header of the last /events request (the API server's proxy token).
    std::string authorization() const;
    // When the event at `index` was sent (time_point::max() if not yet).
    std::chrono::steady_clock::time_point sent_at(std::size_t index) const;
    // An event stream's write failed: the client went away.
    bool client_gone() const;

    struct State;

private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

}  // namespace ambient::testing
