#pragma once
// Internal to the HTTP layer: one client connection, served by one coroutine that owns its
// socket, and the registry through which stop() reaches the live ones.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_set>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "common/http/router.hpp"
#include "common/http/server.hpp"

namespace ambient::http::detail {

// What stop() needs to reach a connection. Shared by the registry and the connection's
// coroutine; every field is used only on the connection's executor (a strand).
struct ConnectionState {
    explicit ConnectionState(boost::asio::any_io_executor ex) : executor(std::move(ex)) {}
    boost::asio::any_io_executor executor;
    boost::beast::tcp_stream* stream = nullptr;  // null before the coroutine runs and after it ends
    bool awaiting_request = false;               // between requests or reading one: closing loses nothing
};

class ConnectionRegistry {
public:
    std::shared_ptr<ConnectionState> add(boost::asio::any_io_executor executor);
    void remove(const std::shared_ptr<ConnectionState>& state);
    // Runs `fn` on each live connection's executor.
    void for_each(const std::function<void(ConnectionState&)>& fn);
    // True once no connection is left, false if `timeout` passed first.
    bool wait_until_empty(std::chrono::steady_clock::duration timeout);
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable empty_;
    std::unordered_set<std::shared_ptr<ConnectionState>> live_;
};

// What every connection reads from its server; outlives all connections.
struct ServerContext {
    const ServerOptions& options;
    const Router& router;
    const ServerHooks& hooks;
    boost::asio::thread_pool& workers;
    const std::atomic<bool>& stopping;
    ConnectionRegistry& registry;
};

// Serves requests on `socket` until the peer closes, a timeout, an error or shutdown.
// Removes `state` from the registry when it ends.
boost::asio::awaitable<void> serve_connection(const ServerContext& server, boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<ConnectionState> state);

}  // namespace ambient::http::detail
