#include "common/http/chunked_writer.hpp"

#include <array>
#include <cstdio>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

namespace ambient::http::detail {
namespace net = boost::asio;

namespace {
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
}  // namespace

net::awaitable<bool> ChunkedWriter::write(std::string chunk) {
    co_return co_await write_chunk(chunk);
}

net::awaitable<bool> ChunkedWriter::write_shared(std::shared_ptr<const std::string> chunk) {
    co_return co_await write_chunk(*chunk);
}

void ChunkedWriter::client_gone() {
    client_gone_ = true;
    if (on_client_gone_) on_client_gone_();
}

net::awaitable<bool> ChunkedWriter::write_chunk(std::string_view chunk) {
    if (failed_ || stopping()) co_return false;
    if (chunk.empty()) co_return true;

    char size_line[24];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    const std::array<net::const_buffer, 3> buffers{
        net::buffer(size_line, static_cast<std::size_t>(n)),
        net::buffer(chunk.data(), chunk.size()),
        net::buffer(kCrlf.data(), kCrlf.size()),
    };
    // The deadline restarts whenever the socket takes some bytes: a slow reader is fine, one
    // that reads nothing is not.
    boost::beast::buffers_suffix<decltype(buffers)> rest(buffers);
    while (net::buffer_size(rest) > 0) {
        stream_.expires_after(write_timeout_);
        boost::system::error_code ec;
        const auto written = co_await stream_.async_write_some(rest, net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            failed_ = true;
            co_return false;
        }
        rest.consume(written);
    }
    stream_.expires_never();
    co_return true;
}

net::awaitable<bool> ChunkedWriter::finish(std::chrono::steady_clock::duration timeout) {
    if (failed_) co_return false;
    stream_.expires_after(timeout);
    boost::system::error_code ec;
    co_await net::async_write(stream_, net::buffer(kLastChunk.data(), kLastChunk.size()),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) failed_ = true;
    co_return !failed_;
}

}  // namespace ambient::http::detail
