#include "common/http/connection.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <charconv>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include "common/api_error.hpp"
#include "common/http/blocking.hpp"
#include "common/http/chunked_writer.hpp"
#include "common/http/dispatch.hpp"
#include "common/http/field_text.hpp"
#include "common/http/framing.hpp"
#include "common/http/gzip.hpp"
#include "common/http/log_excerpt.hpp"
#include "common/http/request_parser.hpp"
#include "common/http/response_head.hpp"
#include "common/http/timed_socket.hpp"
#include "common/http/url.hpp"
#include "common/http/wait_readable.hpp"
#include "common/ksuid.hpp"
#include "common/may_block.hpp"

namespace ambient::http::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

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

std::string endpoint_text(const IoSocket& socket) {
    error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    const auto address = endpoint.address().to_string();
    return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(endpoint.port());
}

// The request `parser` read, as handlers see it. A refused request keeps no body: part of
// one may have arrived.
Request start_request(RequestParser& parser, const std::string& remote, bool complete) {
    Request request = std::move(parser.request());
    if (!complete) request.body.clear();
    request.remote_address = remote;
    request.operation_id = new_ksuid();
    return request;
}

// The answer to a request that could not be read, or nullopt to just close (peer gone,
// timeout, shutdown): there is nobody to answer then.
std::optional<RequestRefusal> refusal_for_read_error(const error_code& ec, const ServerOptions& options) {
    if (ec == bhttp::error::body_limit) {
        return RequestRefusal{413,
                              "Request body exceeds the limit of " + std::to_string(options.max_body_bytes) + " bytes"};
    }
    if (ec == bhttp::error::header_limit) return RequestRefusal{431, "Request header fields too large"};
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
    if (ec.category() == make_error_code(bhttp::error::bad_method).category()) {
        return RequestRefusal{400, "Malformed HTTP request"};
    }
    return std::nullopt;
}

// Appends `value` in decimal, at least `width` digits wide (zero-padded).
void append_number(fmt::memory_buffer& line, long long value, int width = 1) {
    char digits[24];
    auto [end, ignored] = std::to_chars(digits, digits + sizeof digits, value);
    for (auto n = end - digits; n < width; ++n)
        line.push_back('0');
    line.append(digits, end);
}

// The one log line per request, then the `after` hook. The path is logged raw, bounded and
// without its query (which may carry tokens); headers and bodies never are. The line is put
// together by hand and handed to the logger as finished text: formatting it through
// spdlog's argument list cost a tenth of a small request's instructions.
void finish_request(const ServerContext& server, const Request& request, int status, Clock::time_point started) {
    const auto elapsed = Clock::now() - started;
    auto* logger = spdlog::default_logger_raw();
    if (logger->should_log(spdlog::level::info)) {
        fmt::memory_buffer line;
        const auto append = [&line](std::string_view text) { line.append(text.data(), text.data() + text.size()); };
        // Text that fits is appended as it is; only an overlong one is cut (and copied).
        const auto append_excerpt = [&append](std::string_view text, std::size_t limit) {
            if (text.size() <= limit) {
                append(text);
            } else {
                append(log_excerpt(text, limit));
            }
        };
        append_excerpt(request.method, kLoggedMethodBytes);
        append(" ");
        append_excerpt(raw_path(request.target), kLoggedPathBytes);
        append(" ");
        append_number(line, status);
        append(" ");
        const auto hundredths = (std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() + 5) / 10;
        append_number(line, hundredths / 100);
        append(".");
        append_number(line, hundredths % 100, 2);
        append("ms");
        append(" op=");
        append(request.operation_id);
        append(" remote=");
        append(request.remote_address);
        logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
    }
    server.requests_finished.fetch_add(1, std::memory_order_relaxed);
    if (!server.hooks.after) return;
    try {
        server.hooks.after(request, status, std::chrono::duration<double>(elapsed).count());
    } catch (const std::exception& e) {
        spdlog::error("after-request hook failed: {}", e.what());
    }
}

// Writes a complete response; true when the connection may serve another request.
net::awaitable<bool> write_response(TimedSocket& stream, const ServerContext& server, const Request& request,
                                    Response& response, bool keep_alive, Clock::time_point started) {
    const auto code = wire_status(response.status);
    // These statuses have no body and no Content-Length (RFC 9110 8.6).
    const bool has_body = code >= 200 && code != 204 && code != 304;
    const auto head = response_head(response, request, keep_alive,
                                    has_body ? BodyFraming::of_length(response.body.size()) : BodyFraming::none());
    finish_request(server, request, static_cast<int>(code), started);

    stream.expires_after(server.options.write_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(head),
                                                   has_body ? net::buffer(response.body) : net::const_buffer{}};
    error_code ec;
    co_await net::async_write(stream, buffers, redirect(ec));
    co_return !ec && keep_alive;
}

// A stream's client may close its end while the producer waits for data to send, writing
// nothing for a long time; waiting for the socket to become readable meanwhile notices that
// at once, so the stream (its place in the per-caller cap, its descriptor, its wake-ups) goes
// now rather than at its next write. A plain completion handler rather than a coroutine: it
// is held by every open stream, so it must be small. It touches the socket and the writer
// only while write_stream() still runs (writer set); both run on the connection's strand.
struct DepartureWatch {
    ChunkedWriter* writer = nullptr;
};

void watch_for_departure(IoSocket& socket, std::shared_ptr<DepartureWatch> watch) {
    socket.async_wait(IoSocket::wait_read, [&socket, watch](const error_code& ec) {
        if (watch->writer == nullptr || ec == net::error::operation_aborted) return;
        // Readable: the client closed (or reset) its end — or sent bytes (a pipelined
        // request), which is not a departure and is left for the next request to read.
        char byte = 0;
        if (!ec && ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) return;
        watch->writer->client_gone();
    });
}

net::awaitable<bool> write_stream(TimedSocket& stream, const ServerContext& server, const Request& request,
                                  Response& response, bool keep_alive, Clock::time_point started) {
    const auto status = static_cast<int>(wire_status(response.status));
    const auto head = response_head(response, request, keep_alive, BodyFraming::chunked());

    if (server.options.stream_send_buffer_bytes != 0) {
        // A reader that stops reading then holds this much of kernel memory, not megabytes,
        // and its writes stall soon enough for the stream's write deadline to notice.
        error_code ignored;
        stream.socket().set_option(
            net::socket_base::send_buffer_size(static_cast<int>(server.options.stream_send_buffer_bytes)), ignored);
    }
    stream.expires_after(server.options.write_timeout);
    error_code ec;
    co_await net::async_write(stream, net::buffer(head), redirect(ec));
    if (ec) {
        finish_request(server, request, status, started);
        co_return false;
    }

    ChunkedWriter writer(stream, server.stopping, server.options.stream_write_timeout);
    auto watch = std::make_shared<DepartureWatch>();
    watch->writer = &writer;
    watch_for_departure(stream.socket(), watch);
    std::exception_ptr error;
    try {
        co_await response.stream(writer);
    } catch (...) {
        error = std::current_exception();
    }
    // The watch must not outlive the writer (nor, should the connection end, the socket).
    watch->writer = nullptr;
    stream.socket().cancel(ec);
    bool complete = false;
    if (error) {
        // Too late for an error status: log it and cut the body short, so the client can
        // tell the stream did not end normally.
        response_for_exception(error, request);
    } else {
        complete = co_await writer.finish(server.options.write_timeout);
    }
    finish_request(server, request, status, started);
    co_return complete&& keep_alive && !server.stopping.load();
}

// Answers a request that could not be read or must not be served, then drains what the
// client still sends. The connection closes after it: where a next request would start is
// not known.
net::awaitable<void> reject(TimedSocket& stream, const ServerContext& server, Request& request,
                            const RequestRefusal& refusal, Clock::time_point started) {
    const auto code = refusal.status == 501   ? ErrorCode::NotImplemented
                      : refusal.status == 400 ? ErrorCode::MalformedRequest
                                              : ErrorCode::BadRequest;
    auto response = error_response(refusal.status, code, refusal.reason, request.operation_id);
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
    PublishedStream(ConnectionState& state, TimedSocket& stream) : state_(state) { state_.stream = &stream; }
    ~PublishedStream() { state_.stream = nullptr; }
    PublishedStream(const PublishedStream&) = delete;
    PublishedStream& operator=(const PublishedStream&) = delete;

private:
    ConnectionState& state_;
};

// Waits, idle, for the first bytes of the next request; the registry may evict the
// connection meanwhile. False when the connection should close (peer gone, timeout, evicted).
net::awaitable<bool> await_next_request(TimedSocket& stream, beast::flat_buffer& buffer, const ServerContext& server,
                                        const std::shared_ptr<ConnectionState>& state, bool first) {
    if (!server.registry.mark_idle(state)) co_return false;
    const auto& options = server.options;
    // A new connection keeps the header_timeout it got at the accept.
    if (!first) {
        stream.expires_after(server.registry.crowded() ? std::min(options.idle_timeout, options.crowded_idle_timeout)
                                                       : options.idle_timeout);
    }
    error_code ec;
    const auto n = co_await stream.async_read_some(buffer.prepare(kReadChunk), redirect(ec));
    const bool kept = server.registry.mark_busy(state);
    if (ec || !kept) co_return false;
    buffer.commit(n);
    co_return true;
}

struct HeaderSection {
    bool complete = false;  // false: the connection failed or timed out first
    bool too_large = false;
    bool folded = false;
    bool not_http = false;  // what arrived cannot start a request
};

// Reads until `buffer` starts with a whole header section (or it exceeds the limit), so that
// its raw bytes can be checked for what Beast's parser would quietly accept.
net::awaitable<HeaderSection> read_header_section(TimedSocket& stream, beast::flat_buffer& buffer) {
    for (;;) {
        const std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
        if (const auto size = header_section_size(bytes.substr(0, kHeaderLimit))) {
            co_return HeaderSection{true, false, has_folded_line(bytes.substr(0, *size))};
        }
        if (bytes.size() >= kHeaderLimit) co_return HeaderSection{true, true, false};
        if (!could_start_request(bytes)) co_return HeaderSection{.complete = true, .not_http = true};
        error_code ec;
        const auto n = co_await stream.async_read_some(buffer.prepare(kReadChunk), redirect(ec));
        if (ec) co_return HeaderSection{};
        buffer.commit(n);
    }
}

// The request's response: hooks, the handler, and compression. On a worker, unless the
// route runs on the I/O thread; a large body's compression is then bounded by what a
// handler that never blocks can produce in microseconds.
void compress(const ServerContext& server, const Request& request, Response& response) {
    if (!response.stream) gzip_response(request, response, server.options.gzip_max_bytes);
}

Response respond(const ServerContext& server, Request& request, Router::Lookup matched) {
    auto response = dispatch(server.hooks, request, std::move(matched));
    compress(server, request, response);
    return response;
}

// The response of a Runs::OnIoThread route, answered on the I/O thread: its handler, then,
// if its answer is pending, the waits for its socket on this I/O loop, each step in a
// NonBlockingScope. nullopt when some step would block after all: the caller then runs the
// request again, from the start, on a worker (having released what the pending answer held).
net::awaitable<std::optional<Response>> respond_on_io_thread(const ServerContext& server, TimedSocket& stream,
                                                             Request& request, Router::Lookup matched) {
    std::unique_ptr<PendingResponse> pending;
    try {
        NonBlockingScope io_thread;
        auto answer = dispatch_on_io_thread(server.hooks, request, std::move(matched));
        if (auto* response = std::get_if<Response>(&answer)) {
            compress(server, request, *response);
            co_return std::move(*response);
        }
        pending = std::move(std::get<std::unique_ptr<PendingResponse>>(answer));
    } catch (const WouldBlock&) {
        co_return std::nullopt;
    }
    for (;;) {
        const auto waited = co_await wait_readable(stream.get_executor(), pending->socket());
        std::optional<Response> response;
        try {
            // A descriptor the loop refused is a failure like the handler's own.
            if (waited) throw boost::system::system_error(waited, "waiting for a pending response");
            NonBlockingScope io_thread;
            response = pending->advance();
        } catch (const WouldBlock&) {
            co_return std::nullopt;
        } catch (...) {
            response = response_for_exception(std::current_exception(), request);
        }
        if (response) {
            compress(server, request, *response);
            co_return response;
        }
    }
}

bool runs_on_io_thread(const Router::Lookup& matched) {
    const auto* match = std::get_if<Router::Match>(&matched);
    return match != nullptr && match->route->runs == Runs::OnIoThread;
}

// Reads one request and answers it. False when the connection must close afterwards (or was
// closed: peer gone, timeout, eviction, a refused request).
net::awaitable<bool> serve_request(TimedSocket& stream, beast::flat_buffer& buffer, const ServerContext& server,
                                   const std::shared_ptr<ConnectionState>& state, const std::string& remote,
                                   bool first) {
    const auto& options = server.options;
    state->awaiting_request = true;
    if (buffer.size() == 0) {
        const bool arrived = co_await await_next_request(stream, buffer, server, state, first);
        if (!arrived) co_return false;
    }
    // From its first byte, a request has header_timeout to arrive whole.
    if (!first) stream.expires_after(options.header_timeout);

    const auto section = co_await read_header_section(stream, buffer);
    if (!section.complete) co_return false;
    RequestParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body_bytes);
    error_code ec;
    std::optional<RequestRefusal> refusal;
    if (section.too_large) {
        refusal = RequestRefusal{431, "Request header fields too large"};
    } else if (section.not_http) {
        refusal = RequestRefusal{400, "Malformed HTTP request"};
    } else {
        // The whole header is buffered: parsed in place, without an asynchronous operation
        // (whose completion would be one more trip through the I/O loop).
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec) {
            refusal = refusal_for_read_error(ec, options);
        } else if (section.folded) {
            refusal = RequestRefusal{400, "Obsolete line folding is not allowed in a request header"};
        } else {
            // What RFC 9112 refuses in the framing headers that Beast let through.
            refusal = check_framing(parser.framing());
        }
    }
    if (!ec && !refusal && !parser.is_done()) {
        if (parser.expects_continue()) {
            co_await net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()), redirect(ec));
        }
        if (!ec) co_await bhttp::async_read(stream, buffer, parser, redirect(ec));
        if (ec) refusal = refusal_for_read_error(ec, options);
    }
    state->awaiting_request = false;
    const auto started = Clock::now();
    if (refusal || ec) {
        if (refusal && !server.stopping.load()) {
            auto request = start_request(parser, remote, false);
            co_await reject(stream, server, request, *refusal, started);
        }
        co_return false;
    }

    // A handler takes as long as it takes; the write deadline starts once it is done.
    stream.expires_never();
    bool keep_alive = parser.keep_alive();
    auto request = start_request(parser, remote, true);

    Response response;
    if (auto target = decode_target(request.target)) {
        request.path = std::move(target->path);
        request.query = std::move(target->query);
        // Routing is a lookup in memory: done here, it tells whether the hop to a worker
        // (two thread switches) is needed at all.
        auto matched = server.router.match(request.method, request.path);
        bool answered = false;
        if (runs_on_io_thread(matched)) {
            if (auto answer = co_await respond_on_io_thread(server, stream, request, std::move(matched))) {
                response = std::move(*answer);
                answered = true;
            } else {
                // It has to wait after all (no idle database connection, a key to fetch):
                // again, from the start, on a worker.
                matched = server.router.match(request.method, request.path);
            }
        }
        if (!answered) {
            response = co_await run_blocking(
                server.workers, [&server, &request, &matched] { return respond(server, request, std::move(matched)); });
        }
    } else {
        response = error_response(400, ErrorCode::MalformedRequest,
                                  "Malformed percent-encoding in the request target, or an encoded '/' or control "
                                  "character in its path",
                                  request.operation_id);
    }

    keep_alive = keep_alive && !server.stopping.load();
    if (response.stream) co_return co_await write_stream(stream, server, request, response, keep_alive, started);
    co_return co_await write_response(stream, server, request, response, keep_alive, started);
}

}  // namespace

net::awaitable<void> serve_connection(const ServerContext& server, IoSocket socket, DeadlineSweep& sweep,
                                      std::shared_ptr<ConnectionState> state) {
    RegistryEntry entry{server.registry, state};
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // stream chunks must not wait for Nagle
    const auto remote = endpoint_text(socket);
    TimedSocket stream(std::move(socket), sweep);
    PublishedStream published(*state, stream);
    beast::flat_buffer buffer;

    // A new connection has header_timeout from the accept to deliver its first request.
    stream.expires_after(server.options.header_timeout);
    bool first = true;
    while (!server.stopping.load()) {
        const bool keep_alive = co_await serve_request(stream, buffer, server, state, remote, first);
        if (!keep_alive) break;
        first = false;
    }

    // Half-close first so the client reads everything we sent before it sees the end.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
}

}  // namespace ambient::http::detail
