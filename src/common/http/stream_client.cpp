#include "common/http/stream_client.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <limits>

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

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
        if (c != prefix[i]) return false;
    }
    return true;
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

bool is_ipv6_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

std::string host_header(const HttpUrl& url) {
    const bool v6 = url.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + url.host + "]" : url.host;
    if (url.port != 80) host += ":" + std::to_string(url.port);
    return host;
}

net::awaitable<void> open_connection(std::shared_ptr<UpstreamResponse::Impl> impl, HttpUrl url, HeaderList headers,
                                     std::chrono::milliseconds timeout) {
    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    const auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port), net::use_awaitable);

    // One deadline for connect, request and response header together.
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, net::use_awaitable);

    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.target, 11};
    request.set(bhttp::field::host, host_header(url));
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

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (!iequals_prefix(url, kScheme)) return std::nullopt;
    std::string_view rest = url.substr(kScheme.size());
    for (char c : rest) {
        // Whatever ends up in the request line must not split it.
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '#') return std::nullopt;
    }
    const auto authority_end = rest.find_first_of("/?");
    const auto authority = rest.substr(0, authority_end);
    HttpUrl out;
    if (authority_end != std::string_view::npos) {
        out.target = rest[authority_end] == '?' ? "/" + std::string(rest.substr(authority_end))
                                                : std::string(rest.substr(authority_end));
    }

    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
        for (char c : host) {
            if (!is_ipv6_char(c)) return std::nullopt;
        }
    } else {
        if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        for (char c : host) {
            if (!is_name_char(c)) return std::nullopt;  // also rejects userinfo ('@')
        }
    }
    if (host.empty()) return std::nullopt;
    out.host = std::string(host);
    if (!port.empty() || authority.ends_with(':')) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

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

std::unique_ptr<UpstreamResponse> open_streaming_get(const std::string& url, const HeaderList& headers,
                                                     std::chrono::milliseconds timeout) {
    auto parsed = parse_http_url(url);
    if (!parsed) throw StreamClientError("not a plain http:// URL");
    auto impl = std::make_shared<UpstreamResponse::Impl>();
    net::io_context io;
    std::exception_ptr failure;
    net::co_spawn(io, open_connection(impl, std::move(*parsed), headers, timeout),
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
