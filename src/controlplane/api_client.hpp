#pragma once
// The control plane's calls to the API server (besides the watch): status writes, runner
// token mints and the credentials granted to a session. Every call carries the service token;
// a failure is an ApiCallError with the HTTP status (0: no response) and the server's
// reason — never a token.
#include <cstddef>
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

// What POST /runner_tokens answers: a token for each live session asked for, and an error
// for each other one (status 404: no such session, 409: not live).
struct RunnerTokenBatch {
    struct Item {
        std::string session_id;
        RunnerToken token;
    };
    struct Error {
        std::string session_id;
        int status = 0;
        std::string reason;
    };
    std::vector<Item> items;
    std::vector<Error> errors;
};

class ApiClient {
public:
    ApiClient(const client::HttpClient& http, TokenSource token) : http_(http), token_(std::move(token)) {}

    // PATCH /sessions/{id}/status with `fields` (phase, runner_url, conditions, …); returns
    // the session as it is after the write.
    nlohmann::json patch_status(const std::string& session_id, const nlohmann::json& fields) const;

    // POST /sessions/{id}/runner_token. A 409 means the session is no longer live.
    RunnerToken mint_runner_token(const std::string& session_id) const;
    // POST /runner_tokens {"session_ids":[…]} (at most kMaxBatchMint ids): one request for
    // many sessions. A session that is not live is an error entry, not a failed call; a
    // server without the route answers 404 or 405 (ApiCallError).
    static constexpr std::size_t kMaxBatchMint = 1000;
    RunnerTokenBatch mint_runner_tokens(const std::vector<std::string>& session_ids) const;

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
