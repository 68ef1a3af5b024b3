#include "event_reader.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "../sse_fanout/sse_response_parser.hpp"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int connect_to(const HttpUrl& url, std::chrono::milliseconds timeout, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
        error = std::string("resolve: ") + ::gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            error = std::string("connect: ") + std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd < 0) return -1;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Short reads: the caller's deadlines are checked between them.
    timeout = std::min(timeout, std::chrono::milliseconds(100));
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

ReadOutcome read_events(const ReadRequest& request,
                        const std::function<bool(std::string_view id, std::string_view data)>& on_event) {
    ReadOutcome out;
    const auto t0 = Clock::now();
    const int fd = connect_to(request.url, request.timeout, out.error);
    if (fd < 0) return out;
    std::string head = "GET " + request.url.target + " HTTP/1.1\r\nHost: " + request.url.authority() +
                       "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    for (const auto& h : request.headers)
        head += h + "\r\n";
    if (request.last_event_id) head += "Last-Event-ID: " + *request.last_event_id + "\r\n";
    head += "\r\n";
    if (!send_all(fd, head)) {
        out.error = "send failed";
        ::close(fd);
        return out;
    }

    SseResponseParser parser;
    bool stopped = false;
    std::vector<char> buffer(256 * 1024);
    auto last_byte = Clock::now();
    auto last_event = Clock::now();
    while (!stopped) {
        const auto n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            out.error = "the server ended the stream after " + std::to_string(out.events) + " events";
            break;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            const auto now = Clock::now();
            if (request.quiet.count() > 0 && out.events > 0 && now - last_event >= request.quiet) {
                out.went_quiet = true;
                break;
            }
            if (now - last_byte >= request.timeout) {
                out.error = "no data for " + std::to_string(request.timeout.count()) + " ms";
                break;
            }
            continue;
        }
        if (n < 0) {
            out.error = std::strerror(errno);
            break;
        }
        last_byte = Clock::now();
        out.bytes += static_cast<std::uint64_t>(n);
        parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), [&](std::string_view data) {
            if (stopped) return;
            if (out.events++ == 0) out.first_event_ms = ms_since(t0);
            out.last_event_ms = ms_since(t0);
            last_event = Clock::now();
            if (!on_event(parser.last_id(), data)) stopped = true;
        });
        if (parser.head_complete()) out.status = parser.status();
        if (parser.state() == SseResponseParser::State::Failed) {
            out.error = "bad response: " + parser.error();
            break;
        }
        if (parser.head_complete() && (parser.status() < 200 || parser.status() > 299)) {
            out.error = "status " + std::to_string(parser.status());
            break;
        }
        if (parser.state() == SseResponseParser::State::Ended && !stopped) {
            out.error = "the server ended the stream after " + std::to_string(out.events) + " events";
            break;
        }
    }
    ::close(fd);
    return out;
}

}  // namespace bench
