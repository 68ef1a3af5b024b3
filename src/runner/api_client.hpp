#pragma once
// The runner's calls to the API server, all under {BACKEND_API_URL}/api/ambient/v1 and all
// with the runner token, read from its source on every call. A 401 re-reads the token once
// and retries (the control plane may have just rewritten the file). Redirects are never
// followed, so the token never reaches another host.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"
#include "runner/token_source.hpp"

namespace ambient::runner {

// The API server answered with an unexpected status. what() names the call and status,
// with the server's `reason` when it gave one.
class ApiCallError : public std::runtime_error {
public:
    ApiCallError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

struct SessionMessage {
    std::int64_t seq = 0;
    std::string event_type;
    std::string payload;
};

class ApiClient {
public:
    ApiClient(std::string backend_api_url, std::string session_id, const TokenSource& tokens);

    // Any call with the runner token: `path` below /api/ambient/v1 (e.g. "/sessions/x").
    // Throws client::TransportError, TokenUnavailable.
    client::HttpResponse call(std::string_view method, const std::string& path, std::string_view body = {},
                              client::Headers headers = {}) const;

    // GET /sessions/{id}. Throws ApiCallError on a non-200.
    nlohmann::json session() const;
    // Every message after `after_seq`, following the pages. Throws ApiCallError.
    std::vector<SessionMessage> messages_after(std::int64_t after_seq) const;
    // POST /sessions/{id}/messages; retried a few times on 5xx and transport errors. Throws
    // ApiCallError / client::TransportError when it still fails.
    SessionMessage push_message(const std::string& event_type, const std::string& payload) const;
    // GET /credentials/{id}/token (status and body as they came).
    client::HttpResponse credential_token(const std::string& credential_id) const;
    // GET /runner_tokens/jwks (public).
    std::string runner_jwks() const;

    // How a followed stream that had opened ended.
    enum class StreamEnd {
        Stopped,     // `stop` was set or on_message returned false
        Closed,      // the server ended the response
        ErrorEvent,  // the server sent an `error` event: it could not go on
    };
    // Follows the session's message stream (SSE) from `after_seq` until it drops, `stop` is
    // set, or on_message returns false. Returns how it ended once it had opened; throws
    // ApiCallError (a refusal), client::StreamStalled (nothing at all, not even a ping, for
    // `idle_timeout`) or client::TransportError (could not connect, or the connection broke).
    StreamEnd follow_messages(std::int64_t after_seq, const std::function<bool(const SessionMessage&)>& on_message,
                              const std::atomic<bool>& stop, std::chrono::milliseconds idle_timeout) const;

    const std::string& session_id() const { return session_id_; }
    const std::string& backend_api_url() const { return backend_; }

private:
    std::string backend_;
    std::string session_id_;
    const TokenSource& tokens_;
    client::HttpClient http_;
};

// `reason` of an API error body, else the first 200 characters of the body.
std::string error_reason(const client::HttpResponse& response);

}  // namespace ambient::runner
