#pragma once
// Internal to the HTTP layer: one client connection, served by one coroutine that owns its
// socket.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <cstdint>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/http/connection_registry.hpp"
#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "common/http/timed_socket.hpp"

namespace ambient::http::detail {

// What every connection reads from its server; outlives all connections.
struct ServerContext {
    const ServerOptions& options;
    const Router& router;
    const ServerHooks& hooks;
    boost::asio::thread_pool& workers;
    const std::atomic<bool>& stopping;
    ConnectionRegistry& registry;
    std::atomic<std::uint64_t>& requests_finished;  // tells the memory release there was activity
};

// Serves requests on `socket` until the peer closes, a timeout, an error or shutdown; its
// deadlines are enforced by `sweep`, its I/O thread's. Removes `state` from the registry when
// it ends.
boost::asio::awaitable<void> serve_connection(const ServerContext& server, IoSocket socket, DeadlineSweep& sweep,
                                              std::shared_ptr<ConnectionState> state);

}  // namespace ambient::http::detail
