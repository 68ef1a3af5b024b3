#include "common/http/stream_client.hpp"

#include <algorithm>
#include <array>
#include <future>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "common/http/upstream_tls.hpp"

namespace ambient::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

struct UpstreamResponse::Impl {
    // A stream has no size. (Not boost::none: Boost 1.74 compares a Content-Length against an
    // empty optional and refuses every body.)
    Impl() { parser.body_limit(std::numeric_limits<std::uint64_t>::max()); }

    bhttp::response_parser<bhttp::buffer_body> parser;
    beast::flat_buffer buffer;
    int status = 0;
    HeaderList headers;
    // The connection, bound to the StreamClient's io_context: `tls` for https, else `plain`.
    std::optional<beast::tcp_stream> plain;
    std::optional<detail::TlsStream> tls;
    // Ends a read's wait; on the reader's executor, made by the first read.
    std::optional<net::steady_timer> timer;
    // Bumped when a read starts and when it ends: a read's timer cancels only its own read.
    std::uint64_t read_generation = 0;
    bool ended = false;
    std::array<char, 16 * 1024> chunk{};

    bool connected() const { return plain || tls; }
    beast::tcp_stream& transport() { return tls ? tls->next_layer() : *plain; }
};

struct StreamClient::Impl {
    explicit Impl(const StreamClientOptions& options)
        : tls_context(detail::make_client_tls_context(options.extra_ca_file)) {}

    net::ssl::context tls_context;
    net::io_context io{1};
    net::executor_work_guard<net::io_context::executor_type> keep_running = net::make_work_guard(io);
    std::thread thread;
};

namespace {

using Clock = std::chrono::steady_clock;

// How long past its deadline an opening may take to report its own error (a timeout the
// connection noticed) before the caller gives up waiting; only a slow name resolution, which
// nothing cancels, takes longer.
constexpr auto kReportGrace = std::chrono::milliseconds(250);

// Whatever goes into the request line must not split it.
bool is_safe_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return false;
    return std::none_of(target.begin(), target.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

// Checked on what the name resolves to now, not on what it resolved to when it was written:
// a name may be pointed at a metadata address at any time.
net::awaitable<std::vector<tcp::endpoint>> allowed_endpoints(const UpstreamOrigin& origin) {
    tcp::resolver resolver(co_await net::this_coro::executor);
    const auto resolved = co_await resolver.async_resolve(origin.host, std::to_string(origin.port), net::use_awaitable);
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : resolved) {
        if (!is_forbidden_upstream(entry.endpoint().address())) endpoints.push_back(entry.endpoint());
    }
    if (endpoints.empty()) {
        throw StreamClientError(origin.host + " resolves only to link-local or metadata addresses");
    }
    co_return endpoints;
}

// What the request carries besides the connection.
struct Outgoing {
    bhttp::verb method = bhttp::verb::get;
    std::string target;
    HeaderList headers;
    std::string body;
};

template <typename Stream>
net::awaitable<void> exchange_header(Stream& stream, UpstreamResponse::Impl& impl, const UpstreamOrigin& origin,
                                     const Outgoing& outgoing) {
    bhttp::request<bhttp::string_body> request{outgoing.method, outgoing.target, 11};
    request.set(bhttp::field::host, host_header(origin));
    request.set(bhttp::field::user_agent, "ambient-api-server");
    for (const auto& [name, value] : outgoing.headers)
        request.set(name, value);
    if (outgoing.method != bhttp::verb::get) {
        request.body() = outgoing.body;
        request.prepare_payload();  // Content-Length, also when the body is empty
    }
    co_await bhttp::async_write(stream, request, net::use_awaitable);
    co_await bhttp::async_read_header(stream, impl.buffer, impl.parser, net::use_awaitable);

    impl.status = static_cast<int>(impl.parser.get().result_int());
    for (const auto& field : impl.parser.get()) {
        impl.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
}

// Runs on the StreamClient's io_context, where the connection then stays.
net::awaitable<std::shared_ptr<UpstreamResponse::Impl>> open_connection(net::ssl::context& tls_context,
                                                                        UpstreamOrigin origin, Outgoing outgoing,
                                                                        Clock::time_point deadline) {
    const auto endpoints = co_await allowed_endpoints(origin);
    const auto executor = co_await net::this_coro::executor;
    auto impl = std::make_shared<UpstreamResponse::Impl>();
    if (origin.scheme == UpstreamOrigin::Scheme::Https) {
        auto& stream = impl->tls.emplace(executor, tls_context);
        detail::expect_peer(stream, origin.host);
        // The deadline covers connect, handshake, request and response header together.
        stream.next_layer().expires_at(deadline);
        co_await stream.next_layer().async_connect(endpoints, net::use_awaitable);
        boost::system::error_code ec;
        co_await stream.async_handshake(net::ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
        if (ec == beast::error::timeout) {
            throw StreamClientError("TLS handshake with " + host_header(origin) + ": " + ec.message());
        }
        if (ec) throw detail::handshake_failure(stream, ec, host_header(origin));
        co_await exchange_header(stream, *impl, origin, outgoing);
    } else {
        auto& stream = impl->plain.emplace(executor);
        stream.expires_at(deadline);
        co_await stream.async_connect(endpoints, net::use_awaitable);
        co_await exchange_header(stream, *impl, origin, outgoing);
    }
    impl->transport().expires_never();
    co_return impl;
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
    if (impl_->connected()) impl_->transport().close();
}

net::awaitable<UpstreamResponse::Piece> UpstreamResponse::read(net::any_io_executor executor,
                                                               std::chrono::milliseconds wait) {
    const auto impl = impl_;  // alive for the whole read
    Piece piece;
    if (impl->ended || impl->parser.is_done()) {
        close();
        piece.ended = true;
        co_return piece;
    }
    if (!impl->timer) impl->timer.emplace(executor);

    auto& body = impl->parser.get().body();
    body.data = impl->chunk.data();
    body.size = impl->chunk.size();
    body.more = true;
    // Waiting at most `wait` without closing the connection: the timer cancels the read. That
    // loses nothing: a cancelled plain read has taken no byte from the socket, and a
    // cancelled TLS read leaves a partly received record inside OpenSSL, which the next read
    // completes. (A TLS read writes only to answer a key update — renegotiation is off — and
    // those few bytes go into an idle socket's empty send buffer at once.) The
    // timer runs on the reader's executor, where the read's own steps run too, so the
    // stream is never touched from two threads at once.
    const auto generation = ++impl->read_generation;
    impl->timer->expires_after(wait);
    impl->timer->async_wait([weak = std::weak_ptr<Impl>(impl), generation](const boost::system::error_code& ec) {
        if (ec) return;
        const auto self = weak.lock();
        if (self && self->read_generation == generation && self->connected()) {
            boost::system::error_code ignored;
            self->transport().socket().cancel(ignored);
        }
    });
    boost::system::error_code ec;
    if (impl->tls) {
        co_await bhttp::async_read_some(*impl->tls, impl->buffer, impl->parser,
                                        net::redirect_error(net::use_awaitable, ec));
    } else {
        co_await bhttp::async_read_some(*impl->plain, impl->buffer, impl->parser,
                                        net::redirect_error(net::use_awaitable, ec));
    }
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

StreamClient::StreamClient(StreamClientOptions options) : impl_(std::make_unique<Impl>(options)) {
    impl_->thread = std::thread([io = &impl_->io] { io->run(); });
}

StreamClient::~StreamClient() {
    impl_->keep_running.reset();
    impl_->io.stop();
    impl_->thread.join();
}

namespace {

std::unique_ptr<UpstreamResponse> open_request(StreamClient::Impl& client, const UpstreamOrigin& origin,
                                               Outgoing outgoing, std::chrono::milliseconds timeout) {
    if (!is_safe_target(outgoing.target)) throw StreamClientError("not a usable request target");
    const auto deadline = Clock::now() + timeout;
    auto opened = net::co_spawn(client.io, open_connection(client.tls_context, origin, std::move(outgoing), deadline),
                                net::use_future);
    // Given up on, an opening still finishes on the I/O thread (its connection has the same
    // deadline) and its result is dropped there.
    if (opened.wait_until(deadline + kReportGrace) != std::future_status::ready) {
        throw StreamClientError("no connection to " + host_header(origin) + " within " +
                                std::to_string(timeout.count()) + " ms");
    }
    try {
        return std::make_unique<UpstreamResponse>(opened.get());
    } catch (const StreamClientError&) {
        throw;
    } catch (const std::exception& e) {
        throw StreamClientError(host_header(origin) + ": " + e.what());
    }
}

}  // namespace

std::unique_ptr<UpstreamResponse> StreamClient::open_streaming_get(const UpstreamOrigin& origin,
                                                                   const std::string& target, const HeaderList& headers,
                                                                   std::chrono::milliseconds timeout) {
    return open_request(*impl_, origin, Outgoing{bhttp::verb::get, target, headers, {}}, timeout);
}

std::unique_ptr<UpstreamResponse> StreamClient::open_streaming_post(const UpstreamOrigin& origin,
                                                                    const std::string& target,
                                                                    const HeaderList& headers, std::string body,
                                                                    std::chrono::milliseconds timeout) {
    return open_request(*impl_, origin, Outgoing{bhttp::verb::post, target, headers, std::move(body)}, timeout);
}

}  // namespace ambient::http
