#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include "support/http_client.hpp"

#include <strings.h>

#include <limits>
#include <optional>
#include <stdexcept>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace ambient::testing {
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
    const int c = strncasecmp(a.data(), b.data(), std::min(a.size(), b.size()));
    return c < 0 || (c == 0 && a.size() < b.size());
}

nlohmann::json HttpResult::json() const {
    return nlohmann::json::parse(body);
}

std::string HttpResult::header(std::string_view name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

namespace {

// A socket whose every operation runs to completion or to a deadline on a private
// io_context. A timed-out operation is cancelled and reports net::error::timed_out; the
// socket stays usable (a cancelled read consumed nothing).
class TimedSocket {
public:
    TimedSocket() : socket_(ioc_), timer_(ioc_) {}

    bool is_open() const { return socket_.is_open(); }
    tcp::socket& socket() { return socket_; }

    void connect(const std::string& host, std::uint16_t port, Clock::time_point deadline) {
        close();
        tcp::resolver resolver(ioc_);
        const auto endpoints = resolver.resolve(host, std::to_string(port));
        const auto ec = run(deadline, [&](auto done) { net::async_connect(socket_, endpoints, done); });
        if (ec) {
            close();
            throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + " failed: " + ec.message());
        }
        socket_.set_option(tcp::no_delay(true));
    }

    // Starts the operation with a completion handler, runs until it completes or the deadline.
    template <class Start>
    error_code run(Clock::time_point deadline, Start start) {
        std::optional<error_code> result;
        bool expired = false;
        start([&](error_code ec, auto&&...) {
            result = ec;
            timer_.cancel();
        });
        timer_.expires_at(deadline);
        timer_.async_wait([&](error_code ec) {
            if (ec || result) return;
            expired = true;
            error_code ignored;
            socket_.cancel(ignored);
        });
        ioc_.restart();
        ioc_.run();
        if (expired && *result == net::error::operation_aborted) return net::error::timed_out;
        return *result;
    }

    void close() {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    net::io_context ioc_;
    tcp::socket socket_;
    net::steady_timer timer_;
};

template <class Fields>
void copy_headers(const Fields& fields, HttpResult& out) {
    for (const auto& field : fields) {
        auto [it, inserted] = out.headers.emplace(std::string(field.name_string()), std::string(field.value()));
        if (!inserted) it->second += ", " + std::string(field.value());
    }
}

std::string describe(const error_code& ec) {
    return ec == net::error::timed_out ? "timed out" : ec.message();
}

}  // namespace

// --- HttpClient ---------------------------------------------------------------------------

struct HttpClient::Impl {
    std::string host;
    std::uint16_t port;
    std::string bearer;
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
    TimedSocket socket;
    boost::beast::flat_buffer buffer;
    std::size_t connections = 0;

    struct Failure {
        error_code ec;
        bool got_response_bytes;
    };

    // One attempt on the current connection: the result, or why and how far it failed.
    std::variant<HttpResult, Failure> exchange(bhttp::request<bhttp::string_body>& request,
                                               Clock::time_point deadline) {
        auto ec = socket.run(deadline, [&](auto done) { bhttp::async_write(socket.socket(), request, done); });
        if (ec) return Failure{ec, false};
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        ec = socket.run(deadline, [&](auto done) { bhttp::async_read(socket.socket(), buffer, parser, done); });
        if (ec) return Failure{ec, parser.got_some()};
        auto& message = parser.get();
        HttpResult result;
        result.status = static_cast<int>(message.result_int());
        copy_headers(message, result);
        result.body = std::move(message.body());
        if (!message.keep_alive()) close();
        return result;
    }

    void close() {
        socket.close();
        buffer.clear();
    }
};

HttpClient::HttpClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(std::string method, std::string target, std::string body, HeaderPairs headers) {
    auto& c = *impl_;
    bhttp::request<bhttp::string_body> request;
    request.version(11);
    request.method_string(method);
    request.target(target);
    request.set(bhttp::field::host, c.host + ":" + std::to_string(c.port));
    if (!c.bearer.empty()) request.set(bhttp::field::authorization, "Bearer " + c.bearer);
    if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
    for (auto& [name, value] : headers)
        request.set(name, value);
    request.body() = std::move(body);
    request.prepare_payload();

    const auto deadline = Clock::now() + c.timeout;
    for (int attempt = 0;; ++attempt) {
        const bool fresh = !c.socket.is_open();
        if (fresh) {
            c.buffer.clear();
            c.socket.connect(c.host, c.port, deadline);
            ++c.connections;
        }
        auto outcome = c.exchange(request, deadline);
        if (auto* result = std::get_if<HttpResult>(&outcome)) return std::move(*result);
        const auto failure = std::get<Impl::Failure>(outcome);
        c.close();
        // A kept-alive connection the server closed meanwhile fails before any response byte:
        // that is no error, just a reason to reconnect once.
        if (!fresh && !failure.got_response_bytes && attempt == 0 && failure.ec != net::error::timed_out) {
            continue;
        }
        throw std::runtime_error(method + " " + target + " failed: " + describe(failure.ec));
    }
}

HttpResult HttpClient::get(std::string target, HeaderPairs headers) {
    return request("GET", std::move(target), {}, std::move(headers));
}
HttpResult HttpClient::post(std::string target, std::string body, HeaderPairs headers) {
    return request("POST", std::move(target), std::move(body), std::move(headers));
}
HttpResult HttpClient::put(std::string target, std::string body, HeaderPairs headers) {
    return request("PUT", std::move(target), std::move(body), std::move(headers));
}
HttpResult HttpClient::patch(std::string target, std::string body, HeaderPairs headers) {
    return request("PATCH", std::move(target), std::move(body), std::move(headers));
}
HttpResult HttpClient::del(std::string target, HeaderPairs headers) {
    return request("DELETE", std::move(target), {}, std::move(headers));
}

void HttpClient::set_bearer(std::string token) {
    impl_->bearer = std::move(token);
}
void HttpClient::set_timeout(std::chrono::milliseconds timeout) {
    impl_->timeout = timeout;
}
std::size_t HttpClient::connections_opened() const {
    return impl_->connections;
}
void HttpClient::close() {
    impl_->close();
}

// --- SseReader ----------------------------------------------------------------------------

struct SseReader::Impl {
    TimedSocket socket;
    boost::beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    HttpResult response;
    std::string text;  // received body bytes not yet parsed into lines
    SseEvent pending;  // fields of the event being assembled
    bool pending_has_field = false;
    bool pending_has_data = false;
    std::size_t comments = 0;
    bool ended = false;

    // Consumes complete lines from `text`; returns an event when a blank line ends one.
    std::optional<SseEvent> take_event() {
        std::size_t start = 0;
        std::optional<SseEvent> out;
        while (!out) {
            const auto eol = text.find('\n', start);
            if (eol == std::string::npos) break;
            std::string_view line(text.data() + start, eol - start);
            start = eol + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.empty()) {
                if (pending_has_field) out = std::exchange(pending, {});
                pending_has_field = pending_has_data = false;
                continue;
            }
            if (line.front() == ':') {
                ++comments;
                continue;
            }
            const auto colon = line.find(':');
            const auto field = line.substr(0, colon);
            auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (field == "data") {
                if (pending_has_data) pending.data += '\n';
                pending.data += value;
                pending_has_data = true;
            } else if (field == "id") {
                pending.id = value;
            } else if (field == "event") {
                pending.event = value;
            } else {
                continue;  // unknown fields are ignored, as the spec says
            }
            pending_has_field = true;
        }
        text.erase(0, start);
        return out;
    }

    // Reads more of the body; false on timeout. Sets `ended` when the response is over.
    bool read_more(Clock::time_point deadline) {
        const auto ec =
            socket.run(deadline, [&](auto done) { bhttp::async_read_some(socket.socket(), buffer, parser, done); });
        if (ec == net::error::timed_out) return false;
        text += parser.get().body();
        parser.get().body().clear();
        if (ec || parser.is_done()) ended = true;
        return true;
    }
};

SseReader::SseReader(std::string host, std::uint16_t port, std::string target, HeaderPairs headers,
                     std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    auto& r = *impl_;
    const auto deadline = Clock::now() + timeout;
    r.socket.connect(host, port, deadline);

    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, host + ":" + std::to_string(port));
    request.set(bhttp::field::accept, "text/event-stream");
    for (auto& [name, value] : headers)
        request.set(name, value);
    auto ec = r.socket.run(deadline, [&](auto done) { bhttp::async_write(r.socket.socket(), request, done); });
    if (!ec) {
        r.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        ec = r.socket.run(deadline,
                          [&](auto done) { bhttp::async_read_header(r.socket.socket(), r.buffer, r.parser, done); });
    }
    if (ec) throw std::runtime_error("GET " + target + " (event stream) failed: " + describe(ec));
    r.response.status = static_cast<int>(r.parser.get().result_int());
    copy_headers(r.parser.get(), r.response);
    if (r.parser.is_done()) r.ended = true;
    if (r.response.status / 100 != 2) {
        while (!r.ended) {
            if (!r.read_more(deadline)) throw std::runtime_error("GET " + target + " timed out");
        }
        r.response.body = std::move(r.text);
        r.text.clear();
    }
}

SseReader::~SseReader() = default;
SseReader::SseReader(SseReader&&) noexcept = default;
SseReader& SseReader::operator=(SseReader&&) noexcept = default;

int SseReader::status() const {
    return impl_->response.status;
}
const HttpResult& SseReader::response() const {
    return impl_->response;
}
std::size_t SseReader::comments() const {
    return impl_->comments;
}
bool SseReader::ended() const {
    return impl_->ended;
}

std::optional<SseEvent> SseReader::next(std::chrono::milliseconds deadline) {
    auto& r = *impl_;
    const auto until = Clock::now() + deadline;
    for (;;) {
        if (auto event = r.take_event()) return event;
        if (r.ended || Clock::now() >= until) return std::nullopt;
        if (!r.read_more(until)) return std::nullopt;
    }
}

void SseReader::close() {
    impl_->socket.close();
    impl_->ended = true;
}

// --- RawConnection ------------------------------------------------------------------------

struct RawConnection::Impl {
    TimedSocket socket;
    std::chrono::milliseconds timeout;
};

RawConnection::RawConnection(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->timeout = timeout;
    impl_->socket.connect(host, port, Clock::now() + timeout);
}

RawConnection::~RawConnection() = default;

void RawConnection::send(std::string_view data) {
    auto& c = *impl_;
    const auto ec = c.socket.run(Clock::now() + c.timeout, [&](auto done) {
        net::async_write(c.socket.socket(), net::buffer(data.data(), data.size()), done);
    });
    if (ec) throw std::runtime_error("send failed: " + describe(ec));
}

RawConnection::ReadResult RawConnection::read_until_closed(std::chrono::milliseconds deadline) {
    auto& c = *impl_;
    const auto until = Clock::now() + deadline;
    ReadResult result;
    char chunk[4096];
    for (;;) {
        std::size_t n = 0;
        const auto ec = c.socket.run(until, [&](auto done) {
            c.socket.socket().async_read_some(net::buffer(chunk), [&n, done](error_code e, std::size_t got) mutable {
                n = got;
                done(e);
            });
        });
        result.data.append(chunk, n);
        if (ec == net::error::timed_out) return result;
        if (ec) {
            result.closed = true;
            return result;
        }
    }
}

void RawConnection::close() {
    impl_->socket.close();
}

}  // namespace ambient::testing
