#pragma once
// The HTTP/1.1 server: Boost.Beast on C++20 coroutines, one coroutine per connection, handlers
// on a worker pool. Beast stays inside the .cpp files; this header is safe for everyone.
//
// Lifecycle: construct, start() (binds, may throw), then either run_until_signal() (the
// binary) or stop() (tests). stop() is graceful and idempotent; the destructor calls it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/http/message.hpp"
#include "common/http/router.hpp"

namespace boost::asio {
class thread_pool;
}

namespace ambient::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;  // 0 picks an ephemeral port; see Server::port()
    std::size_t io_threads = 1;
    std::size_t worker_threads = 8;
    std::size_t max_body_bytes = 2 * 1024 * 1024;  // larger request bodies get 413
    // Time to receive a complete request, header and body, once its first byte arrived (and,
    // for a new connection, from the accept).
    std::chrono::seconds header_timeout{10};
    // How long a keep-alive connection may sit between requests.
    std::chrono::seconds idle_timeout{60};
    // The same when more than 80% of max_connections are open.
    std::chrono::seconds crowded_idle_timeout{5};
    // Time to write a normal response.
    std::chrono::seconds write_timeout{30};
    // A stream write that makes no progress for this long (the reader reads nothing) ends the
    // stream and closes the connection.
    std::chrono::seconds stream_write_timeout{30};
    // SO_SNDBUF of a connection while it streams: what the kernel holds for a reader that
    // stopped reading. 0 leaves the kernel's autotuning (up to megabytes per socket).
    std::size_t stream_send_buffer_bytes = 256 * 1024;
    // How long stop() lets in-flight requests and streams finish before closing them.
    std::chrono::seconds shutdown_grace{10};

    // Connections open at once. At the cap a new connection evicts the one idle longest (waiting
    // for a request with nothing received), or is refused (503, closed) when none is idle.
    // 0: default_max_connections() of the descriptor limit at start().
    std::size_t max_connections = 0;
    // Connections one client address holds at once (an IPv6 client: its /64); the excess is
    // refused at accept. 0: no cap (e.g. behind a proxy that is every client's address).
    std::size_t max_connections_per_client = 256;

    // Responses larger than this are sent uncompressed: compressing them would hold a worker
    // and twice their memory for little gain.
    std::size_t gzip_max_bytes = 4 * 1024 * 1024;
    // After a burst of requests the allocator keeps the freed memory; this often (when any
    // request finished since the last time) the server hands it back. 0 disables.
    std::chrono::seconds memory_release_interval{15};
};

struct ConnectionStats {
    std::size_t open = 0;
    std::size_t max_connections = 0;  // the cap in force (derived when the option was 0)
    std::uint64_t refused_per_client = 0;
    std::uint64_t refused_at_capacity = 0;
    std::uint64_t evicted_idle = 0;
};

struct ServerHooks {
    // Called for every request with a known method (others are answered 501 before routing),
    // after routing and before the handler, on the thread the handler runs on: a worker, or
    // the I/O thread for a route that runs there (Route::runs), where it must not block;
    // `route` is null when nothing matched (the hook still runs: an unauthenticated request
    // to an unknown path may deserve a 401 rather than a 404). A returned response is sent
    // instead of the handler's (or the 404/405). Exceptions are rendered like a handler's.
    std::function<std::optional<Response>(Request&, const Route*)> before;
    // Called once per request when its status is known: for normal responses just before the
    // response is written (so a client that got the response sees its effect, e.g. metrics),
    // for streams when the stream ends. `request.route` is empty when no route matched.
    std::function<void(const Request&, int status, double seconds)> after;
    // Called once when stop() begins, once StreamWriter::stopping() is true: lets stream
    // producers that wait on something else (a notifier) wake up and end at once.
    std::function<void()> stopping;
};

class Server {
public:
    Server(ServerOptions options, const Router& router, ServerHooks hooks = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds, listens and spawns the I/O and worker threads. Throws std::runtime_error when
    // the address cannot be resolved or bound.
    void start();
    // The bound port (after start()); useful with port 0.
    std::uint16_t port() const;
    // Blocks until SIGINT or SIGTERM (or until stop() is called elsewhere), then stop()s.
    void run_until_signal();
    // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets in-flight
    // requests finish, makes StreamWriter::stopping() true and write() return false. Whatever
    // still runs after shutdown_grace is closed. Returns once the threads are joined.
    // Idempotent; must not be called from a handler or an I/O thread.
    void stop();

    // The pool that runs handlers; pass it to run_blocking() (blocking.hpp) to run blocking
    // work from a stream producer.
    boost::asio::thread_pool& workers();
    // The ids of the I/O threads (after start()); for tests and diagnostics.
    std::vector<std::thread::id> io_thread_ids() const;
    // Connections currently open.
    std::size_t connection_count() const;
    // Connections open, the cap, and those refused or evicted since start().
    ConnectionStats connection_stats() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::http
