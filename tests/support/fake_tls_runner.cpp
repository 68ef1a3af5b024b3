#include "support/fake_tls_runner.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace ambient::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;
using namespace std::chrono_literals;

struct FakeTlsRunner::Impl {
    explicit Impl(Options o) : options(std::move(o)) {
        tls.use_certificate_chain_file(options.certificate_file.string());
        tls.use_private_key_file(options.key_file.string(), net::ssl::context::pem);
    }

    net::awaitable<void> accept_loop();
    net::awaitable<void> serve(tcp::socket socket);
    // The event stream itself, after the response header; returns when it ended.
    net::awaitable<void> stream_events(net::ssl::stream<beast::tcp_stream>& stream, int first);

    Options options;
    net::ssl::context tls{net::ssl::context::tls_server};
    mutable std::mutex mutex;
    int requests = 0;
    int failed_handshakes = 0;
    std::string server_name;
    std::string last_event_id;
    std::string accept;
    std::atomic<bool> client_gone{false};
    // Declared after what its coroutines use: the ones still suspended are destroyed with it.
    net::io_context io;
    std::optional<tcp::acceptor> acceptor;
    std::uint16_t port = 0;
    std::thread thread;
};

net::awaitable<void> FakeTlsRunner::Impl::accept_loop() {
    for (;;) {
        boost::system::error_code ec;
        auto socket = co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
        net::co_spawn(io, serve(std::move(socket)), net::detached);
    }
}

net::awaitable<void> FakeTlsRunner::Impl::serve(tcp::socket socket) {
    net::ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), tls);
    stream.next_layer().expires_after(10s);
    boost::system::error_code ec;
    co_await stream.async_handshake(net::ssl::stream_base::server, net::redirect_error(net::use_awaitable, ec));
    {
        std::lock_guard lock(mutex);
        if (ec) {
            ++failed_handshakes;
            co_return;
        }
        const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        server_name = name != nullptr ? name : "";
    }
    beast::flat_buffer buffer;
    bhttp::request<bhttp::empty_body> request;
    co_await bhttp::async_read(stream, buffer, request, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    int first = 1;
    {
        std::lock_guard lock(mutex);
        ++requests;
        last_event_id = std::string(request["Last-Event-ID"]);
        accept = std::string(request[bhttp::field::accept]);
        if (!last_event_id.empty()) first = std::stoi(last_event_id) + 1;
    }

    if (request.target() != "/events/" + options.session_id) {
        bhttp::response<bhttp::string_body> refusal{bhttp::status::not_found, 11};
        refusal.set(bhttp::field::content_type, "text/plain");
        refusal.body() = "no such thread\n";
        refusal.keep_alive(false);
        refusal.prepare_payload();
        co_await bhttp::async_write(stream, refusal, net::redirect_error(net::use_awaitable, ec));
    } else {
        co_await stream_events(stream, first);
    }
    // A TLS server says it is done (close_notify) before it closes.
    stream.next_layer().expires_after(2s);
    co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
}

namespace {

// One chunk of a chunked body; false once the client has gone.
net::awaitable<bool> write_chunk(net::ssl::stream<beast::tcp_stream>& stream, const std::string& text) {
    boost::system::error_code ec;
    co_await net::async_write(stream, bhttp::make_chunk(net::buffer(text)),
                              net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
}

}  // namespace

net::awaitable<void> FakeTlsRunner::Impl::stream_events(net::ssl::stream<beast::tcp_stream>& stream, int first) {
    bhttp::response<bhttp::empty_body> response{bhttp::status::ok, 11};
    response.set(bhttp::field::content_type, "text/event-stream");
    response.set(bhttp::field::cache_control, "no-cache");
    response.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer{response};
    boost::system::error_code ec;
    co_await bhttp::async_write_header(stream, serializer, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    stream.next_layer().expires_never();
    for (int i = 0; options.count < 0 || i < options.count; ++i) {
        net::steady_timer timer(stream.get_executor(), options.interval);
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        const auto n = std::to_string(first + i);
        if (!co_await write_chunk(stream, "id: " + n + "\n") ||
            !co_await write_chunk(stream, "data: {\"type\":\"TEXT_MESSAGE_CONTENT\",\"n\":" + n + "}\n\n")) {
            client_gone = true;
            co_return;
        }
    }
    co_await net::async_write(stream, bhttp::make_chunk_last(), net::redirect_error(net::use_awaitable, ec));
}

FakeTlsRunner::FakeTlsRunner(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->acceptor.emplace(impl_->io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    impl_->port = impl_->acceptor->local_endpoint().port();
    net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
    impl_->thread = std::thread([io = &impl_->io] { io->run(); });
}

FakeTlsRunner::~FakeTlsRunner() {
    impl_->io.stop();
    impl_->thread.join();
}

std::uint16_t FakeTlsRunner::port() const {
    return impl_->port;
}

std::string FakeTlsRunner::url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(port());
}

int FakeTlsRunner::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

int FakeTlsRunner::failed_handshakes() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->failed_handshakes;
}

std::string FakeTlsRunner::server_name() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->server_name;
}

std::string FakeTlsRunner::last_event_id() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->last_event_id;
}

std::string FakeTlsRunner::accept() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accept;
}

bool FakeTlsRunner::client_gone() const {
    return impl_->client_gone.load();
}

}  // namespace ambient::testing
