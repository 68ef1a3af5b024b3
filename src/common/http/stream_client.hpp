#pragma once
// A client for streaming GETs and POSTs (a proxied event stream), over plain HTTP or TLS. Opening is
// blocking and bounded — resolve, connect, handshake, request and response header within a
// timeout — so that a handler can still answer with an error status; the body is then read
// piece by piece from a coroutine, with no overall deadline, as it arrives. It connects only
// to an origin's addresses that is_forbidden_upstream allows (upstream_origin.hpp), checked
// after name resolution, so a name that resolves to a metadata address is refused too.
// Beast and OpenSSL stay in the .cpp files.
//
// Every connection lives on the StreamClient's own I/O thread, opened there and read there
// to the end: a TLS session cannot be moved to another executor the way a descriptor can.
// The reading coroutine runs elsewhere (a server connection's executor) and awaits one read
// at a time on it, which Asio allows for an I/O object bound to another io_context.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

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

// The TLS handshake failed. certificate_rejected(): because the upstream's certificate did
// not verify (untrusted, expired, or not for the host asked for); what() says how.
class UpstreamTlsError : public StreamClientError {
public:
    UpstreamTlsError(const std::string& what, bool certificate_rejected)
        : StreamClientError(what), certificate_rejected_(certificate_rejected) {}
    bool certificate_rejected() const { return certificate_rejected_; }

private:
    bool certificate_rejected_;
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
    // Returns as soon as some of the body has arrived, or after `wait`. Call it from one
    // coroutine at a time, which passes its own executor (the same one every time): the
    // timer of the wait runs there. Never throws for network trouble: that ends the body.
    boost::asio::awaitable<Piece> read(boost::asio::any_io_executor executor, std::chrono::milliseconds wait);
    // Closes the connection; the upstream sees the client go away. Idempotent. Not while a
    // read is in progress.
    void close();

private:
    std::shared_ptr<Impl> impl_;
};

struct StreamClientOptions {
    // PEM certificates trusted for https upstreams besides the system's store; empty: the
    // system's store only.
    std::filesystem::path extra_ca_file;
};

class StreamClient {
public:
    // Starts the I/O thread. Throws std::invalid_argument when extra_ca_file is set and
    // holds no usable certificate.
    explicit StreamClient(StreamClientOptions options = {});
    // Stops the I/O thread. Every UpstreamResponse must be gone (or never read again).
    ~StreamClient();
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;

    // Blocking (run it on a worker thread): connects to `origin` (with TLS for https: the
    // peer's certificate must verify and name the origin's host), sends GET `target` (a path
    // the caller built, e.g. "/events/<id>") with `headers` (Host is set here) and reads the
    // response header, all within `timeout`. Throws StreamClientError (UpstreamTlsError when
    // the handshake failed). Any status is returned; the body is left unread.
    std::unique_ptr<UpstreamResponse> open_streaming_get(const UpstreamOrigin& origin, const std::string& target,
                                                         const HeaderList& headers, std::chrono::milliseconds timeout);
    // The same with POST and `body` (sent with a Content-Length; `headers` name its type):
    // a request whose answer is a stream (a runner's AG-UI run) or a short reply.
    std::unique_ptr<UpstreamResponse> open_streaming_post(const UpstreamOrigin& origin, const std::string& target,
                                                          const HeaderList& headers, std::string body,
                                                          std::chrono::milliseconds timeout);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::http
