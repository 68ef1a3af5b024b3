#pragma once
// Internal to the HTTP layer: the StreamWriter of a streamed response, writing each chunk
// with HTTP/1.1 chunked framing straight to the connection's socket.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>


#include "common/http/stream.hpp"
#include "common/http/timed_socket.hpp"

namespace ambient::http::detail {

class ChunkedWriter final : public StreamWriter {
public:
    ChunkedWriter(TimedSocket& stream, const std::atomic<bool>& stopping,
                  std::chrono::steady_clock::duration write_timeout)
        : stream_(stream), stopping_(stopping), write_timeout_(write_timeout) {}

    // A stream lives as long as its producer, but its reader must keep reading: when the
    // socket accepts no byte of a chunk for write_timeout, the connection is closed and this
    // and every later write return false. An empty chunk is skipped, since on the wire it
    // would end the response.
    boost::asio::awaitable<bool> write(std::string chunk) override;
    boost::asio::awaitable<bool> write_shared(std::shared_ptr<const std::string> chunk) override;
    bool stopping() const override { return stopping_.load() || client_gone_; }
    void on_client_gone(std::function<void()> fn) override { on_client_gone_ = std::move(fn); }
    // The connection saw the client close its end (on the stream's executor).
    void client_gone();
    boost::asio::any_io_executor executor() const override { return stream_.get_executor(); }

    // True once a write failed: the peer is gone and the response cannot be finished.
    bool failed() const { return failed_; }
    // Writes the last chunk; false if that failed.
    boost::asio::awaitable<bool> finish(std::chrono::steady_clock::duration timeout);

private:
    // Writes `chunk` (which must stay alive until done) as one chunk.
    boost::asio::awaitable<bool> write_chunk(std::string_view chunk);

    TimedSocket& stream_;
    const std::atomic<bool>& stopping_;
    const std::chrono::steady_clock::duration write_timeout_;
    bool failed_ = false;
    bool client_gone_ = false;
    std::function<void()> on_client_gone_;
};

}  // namespace ambient::http::detail
