#pragma once
// Streaming responses (server-sent events, proxied streams). A producer is a coroutine on
// the connection's executor; it writes chunks until it is done or the client goes away.
#include <functional>
#include <memory>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace ambient::http {

class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    // Sends one chunk and flushes it. Returns false once the client has gone away, stopped
    // reading for the server's stream write timeout, or the server is shutting down; the
    // producer should then return.
    virtual boost::asio::awaitable<bool> write(std::string chunk) = 0;
    // The same for a chunk shared with other streams (a fan-out renders each frame once):
    // it is kept alive, not copied, until written.
    virtual boost::asio::awaitable<bool> write_shared(std::shared_ptr<const std::string> chunk) = 0;
    // True once the server began shutting down or the client went away (closed its end of
    // the connection): the producer should return. Producers waiting on something else
    // should poll it, or ask to be told (on_client_gone).
    virtual bool stopping() const = 0;
    // `fn` runs (on the stream's executor) when the client closes its end while the stream
    // runs, so that a producer waiting for data can end at once instead of at its next write.
    virtual void on_client_gone(std::function<void()> fn) = 0;
    virtual boost::asio::any_io_executor executor() const = 0;
};

using StreamProducer = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

}  // namespace ambient::http
