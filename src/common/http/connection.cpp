#include "common/http/connection.hpp"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "common/api_error.hpp"
#include "common/http/blocking.hpp"
#include "common/http/chunked_writer.hpp"
#include "common/http/dispatch.hpp"
#include "common/http/gzip.hpp"
#include "common/http/url.hpp"
#include "common/ksuid.hpp"

namespace ambient::http::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kServerName = "ambient-api-server";
constexpr std::size_t kHeaderLimit = 64 * 1024;  // bearer JWTs can run to several KiB
constexpr std::size_t kReadChunk = 4096;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After refusing a request whose body is still arriving, keep reading (and discarding) for a
// while: closing a socket with unread data sends a reset that can destroy our own error
// response before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;

auto redirect(error_code& ec) {
    return net::redirect_error(net::use_awaitable, ec);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool icontains(std::string_view haystack, std::string_view needle) {
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        if (iequals(haystack.substr(i, needle.size()), needle)) return true;
    }
    return false;
}

std::string endpoint_text(const tcp::socket& socket) {
    error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    const auto address = endpoint.address().to_string();
    return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(endpoint.port());
}

// What we know of a request once its start line and header are in; the body is moved in
// separately, only for requests that were read completely.
Request start_request(const bhttp::request<bhttp::string_body>& message, const std::string& remote) {
    Request request;
    request.method = std::string(message.method_string());
    for (auto& c : request.method) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    request.target = std::string(message.target());
    for (const auto& field : message) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.remote_address = remote;
    request.operation_id = new_ksuid();
    return request;
}

// The answer to a request that could not be read, or 0 to just close (peer gone, timeout,
// shutdown): there is nobody to answer then.
int status_for_read_error(const error_code& ec) {
    if (ec == bhttp::error::body_limit) return 413;
    if (ec == bhttp::error::header_limit) return 431;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
    if (ec.category() == make_error_code(bhttp::error::bad_method).category()) return 400;
    return 0;
}

// Framing is the server's business, whatever a handler put in its headers.
bool is_framing_header(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection");
}

template <class Body>
void set_headers(bhttp::response<Body>& to, const Response& from, const Request& request) {
    to.version(11);
    to.result(from.status >= 100 && from.status <= 999 ? static_cast<unsigned>(from.status) : 500);
    for (const auto& [name, value] : from.headers) {
        if (!is_framing_header(name)) to.insert(name, value);
    }
    to.set(bhttp::field::server, kServerName);
    to.set("X-Operation-ID", request.operation_id);
}

// The one log line per request, then the `after` hook. The path is logged raw and without
// its query (which may carry tokens); headers and bodies never are.
void finish_request(const ServerContext& server, const Request& request, int status, Clock::time_point started) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    spdlog::info("{} {} {} {:.2f}ms op={} remote={}", request.method, raw_path(request.target), status, seconds * 1000,
                 request.operation_id, request.remote_address);
    if (!server.hooks.after) return;
    try {
        server.hooks.after(request, status, seconds);
    } catch (const std::exception& e) {
        spdlog::error("after-request hook failed: {}", e.what());
    }
}

bool wants_gzip(const Request& request, const Response& response, const bhttp::fields& headers) {
    const auto accept = request.header("Accept-Encoding");
    return accept && accepts_gzip(*accept) && response.body.size() >= kGzipMinBytes &&
           headers.find(bhttp::field::content_encoding) == headers.end();
}

// Writes a complete response; true when the connection may serve another request.
net::awaitable<bool> write_response(beast::tcp_stream& stream, const ServerContext& server, const Request& request,
                                    Response& response, bool keep_alive, Clock::time_point started) {
    bhttp::response<bhttp::string_body> message;
    set_headers(message, response, request);
    const auto code = message.result_int();
    if (code < 200 || code == 204 || code == 304) {
        // These statuses have no body and no Content-Length (RFC 9110 8.6).
        message.erase(bhttp::field::content_length);
    } else {
        if (wants_gzip(request, response, message)) {
            try {
                message.body() = gzip_compress(response.body);
                message.set(bhttp::field::content_encoding, "gzip");
                const auto vary = message[bhttp::field::vary];
                if (vary.empty()) {
                    message.set(bhttp::field::vary, "Accept-Encoding");
                } else if (!icontains(vary, "Accept-Encoding")) {
                    message.set(bhttp::field::vary, std::string(vary) + ", Accept-Encoding");
                }
            } catch (const std::exception& e) {
                spdlog::warn("gzip failed, sending identity: {}", e.what());
                message.body() = std::move(response.body);
            }
        } else {
            message.body() = std::move(response.body);
        }
        message.prepare_payload();
    }
    message.keep_alive(keep_alive);
    finish_request(server, request, static_cast<int>(code), started);

    stream.expires_after(server.options.write_timeout);
    error_code ec;
    co_await bhttp::async_write(stream, message, redirect(ec));
    co_return !ec && keep_alive;
}

// Sends the header, runs the producer, ends the chunked body. True when the connection may
// serve another request.
net::awaitable<bool> write_stream(beast::tcp_stream& stream, const ServerContext& server, const Request& request,
                                  Response& response, bool keep_alive, Clock::time_point started) {
    bhttp::response<bhttp::empty_body> head;
    set_headers(head, response, request);
    head.chunked(true);
    head.keep_alive(keep_alive);
    bhttp::response_serializer<bhttp::empty_body> serializer(head);

    stream.expires_after(server.options.write_timeout);
    error_code ec;
    co_await bhttp::async_write_header(stream, serializer, redirect(ec));
    if (ec) {
        finish_request(server, request, head.result_int(), started);
        co_return false;
    }

    ChunkedWriter writer(stream, server.stopping);
    std::exception_ptr error;
    try {
        co_await response.stream(writer);
    } catch (...) {
        error = std::current_exception();
    }
    bool complete = false;
    if (error) {
        // Too late for an error status: log it and cut the body short, so the client can
        // tell the stream did not end normally.
        response_for_exception(error, request);
    } else {
        complete = co_await writer.finish(server.options.write_timeout);
    }
    finish_request(server, request, head.result_int(), started);
    co_return complete&& keep_alive && !server.stopping.load();
}

// Answers a request that could not be read, then drains what the client still sends.
net::awaitable<void> reject(beast::tcp_stream& stream, const ServerContext& server, Request& request, int status,
                            Clock::time_point started) {
    Response response;
    if (status == 413) {
        response = error_response(
            413, ErrorCode::BadRequest,
            "Request body exceeds the limit of " + std::to_string(server.options.max_body_bytes) + " bytes",
            request.operation_id);
    } else if (status == 431) {
        response = error_response(431, ErrorCode::BadRequest, "Request header fields too large", request.operation_id);
    } else {
        response = error_response(400, ErrorCode::MalformedRequest, "Malformed HTTP request", request.operation_id);
    }
    co_await write_response(stream, server, request, response, false, started);

    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(kLingerTime);
    std::vector<char> sink(16 * 1024);
    std::size_t drained = 0;
    while (!ec && drained < kLingerBytes) {
        drained += co_await stream.async_read_some(net::buffer(sink), redirect(ec));
    }
}

// Keeps the registry's view of the connection in step with the coroutine's lifetime.
struct RegistryEntry {
    ConnectionRegistry& registry;
    std::shared_ptr<ConnectionState> state;
    ~RegistryEntry() { registry.remove(state); }
};

struct PublishedStream {
    PublishedStream(ConnectionState& state, beast::tcp_stream& stream) : state_(state) { state_.stream = &stream; }
    ~PublishedStream() { state_.stream = nullptr; }
    PublishedStream(const PublishedStream&) = delete;
    PublishedStream& operator=(const PublishedStream&) = delete;

private:
    ConnectionState& state_;
};

}  // namespace

net::awaitable<void> serve_connection(const ServerContext& server, tcp::socket socket,
                                      std::shared_ptr<ConnectionState> state) {
    RegistryEntry entry{server.registry, state};
    const auto& options = server.options;
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // stream chunks must not wait for Nagle
    const auto remote = endpoint_text(socket);
    beast::tcp_stream stream(std::move(socket));
    PublishedStream published(*state, stream);
    beast::flat_buffer buffer;

    // A new connection has header_timeout from the accept to deliver its first request.
    stream.expires_after(options.header_timeout);
    bool first = true;
    bool keep_alive = true;
    while (keep_alive && !server.stopping.load()) {
        state->awaiting_request = true;
        if (!first) {
            if (buffer.size() == 0) {
                // Idle between requests: wait for the first byte of the next one.
                stream.expires_after(options.idle_timeout);
                const auto n = co_await stream.async_read_some(buffer.prepare(kReadChunk), redirect(ec));
                if (ec) break;
                buffer.commit(n);
            }
            stream.expires_after(options.header_timeout);
        }
        first = false;

        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(kHeaderLimit);
        parser.body_limit(options.max_body_bytes);
        co_await bhttp::async_read_header(stream, buffer, parser, redirect(ec));
        if (!ec && !parser.is_done()) {
            if (iequals(parser.get()[bhttp::field::expect], "100-continue")) {
                co_await net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()), redirect(ec));
            }
            if (!ec) co_await bhttp::async_read(stream, buffer, parser, redirect(ec));
        }
        state->awaiting_request = false;
        const auto started = Clock::now();
        if (ec) {
            const int status = status_for_read_error(ec);
            if (status != 0 && !server.stopping.load()) {
                auto request = start_request(parser.get(), remote);
                co_await reject(stream, server, request, status, started);
            }
            break;
        }

        // A handler takes as long as it takes; the write deadline starts once it is done.
        stream.expires_never();
        auto& message = parser.get();
        keep_alive = message.keep_alive();
        auto request = start_request(message, remote);
        request.body = std::move(message.body());

        Response response;
        if (auto target = decode_target(request.target)) {
            request.path = std::move(target->path);
            request.query = std::move(target->query);
            response = co_await run_blocking(
                server.workers, [&server, &request] { return dispatch(server.router, server.hooks, request); });
        } else {
            response = error_response(400, ErrorCode::MalformedRequest,
                                      "Malformed percent-encoding in the request target", request.operation_id);
        }

        keep_alive = keep_alive && !server.stopping.load();
        if (response.stream) {
            keep_alive = co_await write_stream(stream, server, request, response, keep_alive, started);
        } else {
            keep_alive = co_await write_response(stream, server, request, response, keep_alive, started);
        }
    }

    // Half-close first so the client reads everything we sent before it sees the end.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
}

}  // namespace ambient::http::detail
