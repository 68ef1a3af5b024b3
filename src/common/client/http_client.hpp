#pragma once
// A blocking HTTP client over libcurl for one origin (scheme, host, port): every request
// goes to that origin, redirects are never followed, so a bearer token given to it never
// reaches another host. Safe to use from several threads at once (each call has its own
// curl handle).
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ambient::client {

// The request did not complete: cannot connect, timed out, TLS refused, aborted. what() is
// curl's reason and the URL's path, never a header.
class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A stream went silent: no byte at all (not even a ping comment) for its idle timeout. The
// connection was dropped; the caller resumes it like any other broken stream, and may count
// it apart (a peer that is alive but stuck, a half-open connection after a failover).
class StreamStalled : public TransportError {
public:
    using TransportError::TransportError;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    int status = 0;
    std::string body;
    Headers headers;  // names in lower case
    // The first value of a header (name in lower case), or "".
    std::string header(std::string_view name) const;
};

struct ClientOptions {
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{30000};  // whole request, for request()
    std::string ca_file;                               // extra CA bundle for https (empty: system)
    std::string ca_pem;  // CA certificates as PEM text, trusted instead of ca_file (a kubeconfig's data)
    // A client certificate and its key, PEM text (a kubeconfig's user); both or neither.
    std::string client_cert_pem;
    std::string client_key_pem;
    // Accept any certificate (acpctl's --insecure-skip-tls-verify, asked for by its user).
    bool insecure_skip_verify = false;
};

class HttpClient {
public:
    // `origin` is "http(s)://host[:port]" with an optional path prefix, e.g.
    // "http://127.0.0.1:8000". Throws std::invalid_argument for anything else.
    explicit HttpClient(std::string origin, ClientOptions options = {});

    // `path` starts with '/' and is appended to the origin.
    HttpResponse request(std::string_view method, std::string_view path, std::string_view body = {},
                         const Headers& headers = {}) const;

    // A streaming GET: `on_data` receives the body as it arrives and returns false to stop.
    // Returns the status and headers (body empty) when the stream ends, is stopped, or the
    // server answered with an error (then the error body is in `body`, not given to on_data).
    // `stop` (optional) is checked about every 200 ms. When nothing at all (header or body
    // byte) arrives for `idle_timeout` (0: no limit) the connection is dropped and
    // StreamStalled thrown; libcurl looks at the clock a few times a second, so the drop
    // comes at most about a second late.
    // `on_open` (optional) is called once a 2xx response's headers are all in, before any of
    // its body: a watcher lists there, knowing the stream already covers every later change.
    // It must not throw (it runs inside libcurl); it returns false to end the stream.
    HttpResponse stream(std::string_view path, const Headers& headers,
                        const std::function<bool(std::string_view)>& on_data, const std::atomic<bool>* stop,
                        std::chrono::milliseconds idle_timeout,
                        const std::function<bool(const HttpResponse&)>& on_open = {}) const;

    const std::string& origin() const { return origin_; }

private:
    std::string origin_;
    ClientOptions options_;
};

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

}  // namespace ambient::client
