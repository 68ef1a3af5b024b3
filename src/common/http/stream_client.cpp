#include "common/http/stream_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace ambient::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

struct UpstreamResponse::Impl {
    // A stream has no size. (Not boost::none: Boost 1.74 compares a Content-Length against an
    // empty optional and refuses every body.)
    Impl() { parser.body_limit(std::numeric_limits<std::uint64_t>::max()); }
    ~Impl() {
        if (released_fd >= 0) ::close(released_fd);
    }

    bhttp::response_parser<bhttp::buffer_body> parser;
    beast::flat_buffer buffer;
    int status = 0;
    HeaderList headers;
    // The connection is opened on a private io_context (so that opening can block a worker
    // thread with a deadline) and handed over as a bare descriptor until the first read
    // adopts it on the reader's executor.
    int released_fd = -1;
    tcp protocol = tcp::v4();
    std::optional<tcp::socket> socket;
    std::optional<net::steady_timer> timer;
    // Bumped when a read starts and when it ends: a read's timer cancels only its own read.
    std::uint64_t read_generation = 0;
    bool ended = false;
    std::array<char, 16 * 1024> chunk{};
};

namespace {

// Whatever goes into the request line must not split it.
bool is_safe_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return false;
    return std::none_of(target.begin(), target.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

net::awaitable<void> open_connection(std::shared_ptr<UpstreamResponse::Impl> impl, UpstreamOrigin origin,
                                     std::string target, HeaderList headers, std::chrono::milliseconds timeout) {
    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    const auto resolved = co_await resolver.async_resolve(origin.host, std::to_string(origin.port), net::use_awaitable);
    // Checked on what the name resolved to now, not on what it resolved to when it was
    // written: a name may be pointed at a metadata address at any time.
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : resolved) {
        if (!is_forbidden_upstream(entry.endpoint().address())) endpoints.push_back(entry.endpoint());
    }
    if (endpoints.empty()) {
        throw StreamClientError(origin.host + " resolves only to link-local or metadata addresses");
    }

    // One deadline for connect, request and response header together.
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, net::use_awaitable);

    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, host_header(origin));
    request.set(bhttp::field::user_agent, "ambient-api-server");
    for (const auto& [name, value] : headers)
        request.set(name, value);
    co_await bhttp::async_write(stream, request, net::use_awaitable);
    co_await bhttp::async_read_header(stream, impl->buffer, impl->parser, net::use_awaitable);

    impl->status = static_cast<int>(impl->parser.get().result_int());
    for (const auto& field : impl->parser.get()) {
        impl->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    stream.expires_never();
    auto socket = stream.release_socket();
    impl->protocol = socket.local_endpoint().protocol();
    impl->released_fd = socket.release();
}

}  // namespace

UpstreamResponse::UpstreamResponse(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UpstreamResponse::~UpstreamResponse() {
    close();
}

int UpstreamResponse::status() const {
    return impl_->status;
}

const HeaderList& UpstreamResponse::headers() const {
    return impl_->headers;
}

void UpstreamResponse::close() {
    impl_->ended = true;
    if (impl_->socket) {
        boost::system::error_code ignored;
        impl_->socket->close(ignored);
    }
}

net::awaitable<UpstreamResponse::Piece> UpstreamResponse::read(net::any_io_executor executor,
                                                               std::chrono::milliseconds wait) {
    const auto impl = impl_;  // alive for the whole read
    Piece piece;
    if (!impl->ended && !impl->socket) {
        boost::system::error_code ec;
        impl->socket.emplace(executor);
        impl->socket->assign(impl->protocol, impl->released_fd, ec);
        if (!ec) impl->released_fd = -1;  // else the destructor closes it
        impl->timer.emplace(executor);
        if (ec) impl->ended = true;
    }
    if (impl->ended || impl->parser.is_done()) {
        close();
        piece.ended = true;
        co_return piece;
    }

    auto& body = impl->parser.get().body();
    body.data = impl->chunk.data();
    body.size = impl->chunk.size();
    body.more = true;
    // Waiting at most `wait` without closing the connection: the timer cancels the read,
    // which loses nothing (no byte has been taken from the socket when it is cancelled).
    const auto generation = ++impl->read_generation;
    impl->timer->expires_after(wait);
    impl->timer->async_wait([weak = std::weak_ptr<Impl>(impl), generation](const boost::system::error_code& ec) {
        if (ec) return;
        const auto self = weak.lock();
        if (self && self->read_generation == generation && self->socket) {
            boost::system::error_code ignored;
            self->socket->cancel(ignored);
        }
    });
    boost::system::error_code ec;
    co_await bhttp::async_read_some(*impl->socket, impl->buffer, impl->parser,
                                    net::redirect_error(net::use_awaitable, ec));
    ++impl->read_generation;
    impl->timer->cancel();

    piece.data.assign(impl->chunk.data(), impl->chunk.size() - body.size);
    if (ec == bhttp::error::need_buffer || (ec == net::error::operation_aborted && !impl->ended)) ec = {};
    if (ec || impl->ended || impl->parser.is_done()) {
        close();
        piece.ended = true;
    }
    co_return piece;
}

std::unique_ptr<UpstreamResponse> open_streaming_get(const UpstreamOrigin& origin, const std::string& target,
                                                     const HeaderList& headers, std::chrono::milliseconds timeout) {
    if (!is_safe_target(target)) throw StreamClientError("not a usable request target");
    auto impl = std::make_shared<UpstreamResponse::Impl>();
    net::io_context io;
    std::exception_ptr failure;
    net::co_spawn(io, open_connection(impl, origin, target, headers, timeout),
                  [&failure](std::exception_ptr e) { failure = std::move(e); });
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            throw StreamClientError(e.what());
        }
    }
    return std::make_unique<UpstreamResponse>(std::move(impl));
}

}  // namespace ambient::http
