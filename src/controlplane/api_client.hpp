#pragma once
// The control plane's calls to the API server (besides the watch): status writes, runner
// token mints and the credentials granted to a session. Every call carries the service token;
// a failure is an ApiCallError with the HTTP status (0: no response) and the server's
// reason — never a token.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"
#include "controlplane/watch_client.hpp"  // TokenSource

namespace ambient::controlplane {

class ApiCallError : public std::runtime_error {
public:
    ApiCallError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }  // 0 when the request got no response

private:
    int status_;
};

struct RunnerToken {
    std::string token;
    std::string expires_at;  // RFC 3339, as the API server wrote it
};

class ApiClient {
public:
    ApiClient(const client::HttpClient& http, TokenSource token) : http_(http), token_(std::move(token)) {}

    // PATCH /sessions/{id}/status with `fields` (phase, runner_url, conditions, …); returns
    // the session as it is after the write.
    nlohmann::json patch_status(const std::string& session_id, const nlohmann::json& fields) const;

    // POST /sessions/{id}/runner_token. A 409 means the session is no longer live.
    RunnerToken mint_runner_token(const std::string& session_id) const;

    // GET /sessions/{id}/credentials, reduced to one credential per provider, the most
    // specific grant first (agent, then project, then global): what CREDENTIAL_IDS carries.
    std::vector<std::pair<std::string, std::string>> credential_ids(const std::string& session_id) const;

private:
    client::HttpResponse call(std::string_view method, const std::string& path, const std::string& body) const;

    const client::HttpClient& http_;
    TokenSource token_;
};

// CREDENTIAL_IDS as the runner reads it: {"github":"<id>",…}.
std::string credential_ids_json(const std::vector<std::pair<std::string, std::string>>& ids);

}  // namespace ambient::controlplane
