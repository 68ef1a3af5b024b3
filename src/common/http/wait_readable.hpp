#pragma once
// Waiting on the I/O loop for a descriptor that belongs to someone else (a libpq
// connection's socket) to become readable, without taking it over: it is registered with the
// loop for the wait only, and never closed here.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "common/http/timed_socket.hpp"

namespace ambient::http::detail {

// Completes when `fd` is readable (or has hung up), with the loop's error otherwise (a bad
// descriptor, operation_aborted when the loop stops).
boost::asio::awaitable<boost::system::error_code> wait_readable(IoExecutor executor, int fd);

}  // namespace ambient::http::detail
