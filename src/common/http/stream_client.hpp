#pragma once
// A plain-HTTP client for one streaming GET (a proxied event stream). Opening is blocking and
// bounded — connect, request and response header within a timeout — so that a handler can
// still answer with an error status; the body is then read piece by piece from a coroutine,
// with no overall deadline, as it arrives. It connects only to an origin's addresses that
// is_forbidden_upstream allows (upstream_origin.hpp), checked after name resolution, so a
// name that resolves to a metadata address is refused too. Beast stays in the .cpp.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "common/http/message.hpp"
#include "common/http/upstream_origin.hpp"

namespace ambient::http {

// The upstream could not be used: a bad target, name not resolved, only forbidden
// addresses, refused, timed out, or not HTTP. what() is for logs.
class StreamClientError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class UpstreamResponse {
public:
    struct Impl;
    explicit UpstreamResponse(std::shared_ptr<Impl> impl);
    ~UpstreamResponse();
    UpstreamResponse(const UpstreamResponse&) = delete;
    UpstreamResponse& operator=(const UpstreamResponse&) = delete;

    int status() const;
    const HeaderList& headers() const;

    struct Piece {
        std::string data;    // empty when `wait` passed with nothing new
        bool ended = false;  // the body is complete, or the connection failed or was closed
    };
    // Returns as soon as some of the body has arrived, or after `wait`. Runs on `executor`
    // (the first call moves the connection there; pass the same one every time). Never
    // throws for network trouble: that ends the body.
    boost::asio::awaitable<Piece> read(boost::asio::any_io_executor executor, std::chrono::milliseconds wait);
    // Closes the connection; the upstream sees the client go away. Idempotent.
    void close();

private:
    std::shared_ptr<Impl> impl_;
};

// Blocking (run it on a worker thread): connects to `origin`, sends GET `target` (a path
// the caller built, e.g. "/events/<id>") with `headers` (Host is set here) and reads the
// response header, connect to header within `timeout` (name resolution uses the system
// resolver's own limits). Throws StreamClientError. Any status is returned; the body is
// left unread.
std::unique_ptr<UpstreamResponse> open_streaming_get(const UpstreamOrigin& origin, const std::string& target,
                                                     const HeaderList& headers, std::chrono::milliseconds timeout);

}  // namespace ambient::http
