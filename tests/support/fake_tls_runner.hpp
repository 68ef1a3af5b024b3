#pragma once
// A fake runner over TLS, for tests of the events proxy's https upstreams: a real HTTPS
// server (Boost.Asio ssl over OpenSSL) on 127.0.0.1 and a free port, speaking HTTP/1.1 the
// way a runner does. GET /events/<session id> answers text/event-stream with chunked
// encoding: `count` events `interval` apart, each sent in two writes (so a proxy must pass
// partial events through), ids counting on from the request's Last-Event-ID; anything else
// gets 404. It is a fake: it only records what it was asked.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace ambient::testing {

class FakeTlsRunner {
public:
    struct Options {
        std::string session_id;
        std::filesystem::path certificate_file;  // PEM, the server's certificate
        std::filesystem::path key_file;          // PEM, its key
        int count = 5;                           // -1: until the client leaves
        std::chrono::milliseconds interval{100};
    };

    explicit FakeTlsRunner(Options options);
    ~FakeTlsRunner();
    FakeTlsRunner(const FakeTlsRunner&) = delete;
    FakeTlsRunner& operator=(const FakeTlsRunner&) = delete;

    std::uint16_t port() const;
    // "https://<host>:<port>"; `host` should resolve to 127.0.0.1.
    std::string url(const std::string& host = "127.0.0.1") const;

    // Requests read after a completed handshake.
    int requests() const;
    // Handshakes that failed (a client that did not accept the certificate ends here).
    int failed_handshakes() const;
    // The name the last client asked for with SNI (empty: none).
    std::string server_name() const;
    std::string last_event_id() const;
    std::string accept() const;
    // An event stream's write failed: the client went away.
    bool client_gone() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace ambient::testing
