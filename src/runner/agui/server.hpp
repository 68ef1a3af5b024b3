#pragma once
// The runner's AG-UI server (upstream's :8001 routes), on the project's own HTTP server:
//
//   GET  /events/{thread}  SSE of the event hub: `id: <hub id>` and `data: <event JSON>` per
//                          event; replays what the ring still holds after Last-Event-ID, then
//                          follows live, across runs, for as long as the reader stays; `: ping`
//                          after ping_interval of silence. {thread} must be the session id (404).
//   POST /                 an AG-UI RunAgentInput (JSON). The API server has already written its
//                          last user message to the session and sends that message's seq in
//                          X-Ambient-User-Message-Seq (400 when missing, or a malformed body).
//                          Calls on_run and answers SSE: the hub's events from the call on,
//                          until the RUN_FINISHED or RUN_ERROR carrying the returned run id.
//   POST /interrupt        calls on_interrupt; 200 {"message":"Interrupt signal sent"}
//   GET  /health           200 {"status":"healthy","session_id":…}; the only route without auth
//
// Every other request must carry the API server's proxy token (proxy_auth.hpp), else 401 with
// a JSON error body — unknown paths included, so a stranger learns nothing.
//
// Streams end when the hub is closed (shutdown), the reader leaves, or stop() is called.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runner/agui/event_hub.hpp"
#include "runner/agui/proxy_auth.hpp"

namespace ambient::runner::agui {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8001;  // 0: an ephemeral port, see Server::port()
    std::chrono::milliseconds ping_interval{15000};
};

struct RunCallbacks {
    // Schedules the turn of the user message `user_seq` (already in the session) or finds the
    // one that runs it, and returns the run id that turn's RUN_STARTED … RUN_FINISHED or
    // RUN_ERROR carry. `requested_run_id` is the input's runId ("" when it has none). Runs on a
    // worker thread. May throw ApiError (its status and reason are answered, e.g. 409 or 503);
    // any other exception is a 500.
    std::function<std::string(std::int64_t user_seq, const std::string& requested_run_id)> on_run;
    // Interrupts the current turn, if any. Runs on a worker thread.
    std::function<void()> on_interrupt;
};

class Server {
public:
    // `hub` and `auth` are the caller's and outlive the server.
    Server(ServerOptions options, std::string session_id, EventHub& hub, const ProxyAuth& auth, RunCallbacks callbacks);
    ~Server();  // stop()s
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and serves; throws std::runtime_error when the address cannot be bound.
    void start();
    // The bound port, after start().
    std::uint16_t port() const;
    // Ends open streams and stops serving; returns once the threads are joined. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::runner::agui
