#pragma once
// Synchronous HTTP/1.1 clients for tests. Every socket operation has a deadline, so a test
// against a misbehaving server fails instead of hanging.
//
//   HttpClient: request/response with one keep-alive connection, reconnecting when the server
//               closed it. Throws std::runtime_error on connection failure or timeout.
//   SseReader:  one streaming GET, read event by event (server-sent events).
//   RawConnection: bytes in, bytes out, for tests of malformed or partial requests.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::testing {

struct CaseInsensitiveLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
};

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
    int status = 0;
    // Repeated fields are joined with ", ".
    std::map<std::string, std::string, CaseInsensitiveLess> headers;
    std::string body;

    // The body parsed as JSON; throws nlohmann::json::parse_error if it is not.
    nlohmann::json json() const;
    // A header's value, or "" when absent.
    std::string header(std::string_view name) const;
};

class HttpClient {
public:
    HttpClient(std::string host, std::uint16_t port);
    ~HttpClient();
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;

    // Sends one request (Host, Authorization from set_bearer() and, for a non-empty body
    // without one, Content-Type: application/json are added) and reads the whole response.
    HttpResult request(std::string method, std::string target, std::string body = {}, HeaderPairs headers = {});
    HttpResult get(std::string target, HeaderPairs headers = {});
    HttpResult post(std::string target, std::string body, HeaderPairs headers = {});
    HttpResult put(std::string target, std::string body, HeaderPairs headers = {});
    HttpResult patch(std::string target, std::string body, HeaderPairs headers = {});
    HttpResult del(std::string target, HeaderPairs headers = {});

    // Sends "Authorization: Bearer <token>" from now on; an empty token stops it.
    void set_bearer(std::string token);
    // The deadline for each request as a whole (default 10 s).
    void set_timeout(std::chrono::milliseconds timeout);
    // TCP connections opened so far: 1 after any number of requests on a kept-alive one.
    std::size_t connections_opened() const;
    // Closes the connection; the next request opens a new one.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct SseEvent {
    std::string id;
    std::string event;
    std::string data;  // multiple data lines joined with '\n'
};

class SseReader {
public:
    // Connects, sends GET `target` with Accept: text/event-stream and `headers` (e.g.
    // Last-Event-ID, Authorization), and reads the response header. A response that is not
    // 2xx is read completely (see response().body). Throws on connection failure or timeout.
    SseReader(std::string host, std::uint16_t port, std::string target, HeaderPairs headers = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~SseReader();
    SseReader(SseReader&&) noexcept;
    SseReader& operator=(SseReader&&) noexcept;

    int status() const;
    // Status and headers; the body only for a response that is not 2xx.
    const HttpResult& response() const;
    // The next event, or nullopt when `deadline` passed first or the stream ended.
    std::optional<SseEvent> next(std::chrono::milliseconds deadline);
    // Comment lines (": ping") seen so far; they never produce events.
    std::size_t comments() const;
    // True once the server ended the response or the connection closed.
    bool ended() const;
    // Closes the connection (the server sees the client go away).
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class RawConnection {
public:
    RawConnection(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~RawConnection();

    // Writes all of `data`; throws on failure or timeout.
    void send(std::string_view data);
    struct ReadResult {
        std::string data;
        bool closed = false;  // the server closed (or reset) the connection
    };
    // Reads until the server closes the connection or `deadline` passes.
    ReadResult read_until_closed(std::chrono::milliseconds deadline);
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::testing
