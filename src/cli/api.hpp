#pragma once
// The REST API as acpctl uses it: every request to <api_url>/api/ambient/v1<path> with the
// bearer token, X-Ambient-Project and acpctl's User-Agent. A status other than the expected
// one becomes a CliError carrying the server's reason, its operation id and the exit code for
// the status; a transport failure becomes one with kExitServer. The token never appears in
// an error.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"

namespace ambient::cli {

using Json = nlohmann::json;

struct ApiOptions {
    std::string api_url;  // "http(s)://host[:port]", no trailing slash
    std::string token;
    std::string project;  // sent as X-Ambient-Project when not empty
    std::chrono::seconds request_timeout{30};
    bool insecure_skip_verify = false;
};

class Api {
public:
    explicit Api(ApiOptions options);

    // `path` is relative to /api/ambient/v1 and already escaped ("/sessions/" + escape(id));
    // `context` starts the error line ("get session \"x\"").
    Json get(const std::string& path, const std::string& context) const;
    Json post(const std::string& path, const Json& body, const std::string& context, std::vector<int> ok = {201}) const;
    Json patch(const std::string& path, const Json& body, const std::string& context) const;
    void del(const std::string& path, const std::string& context) const;

    // Any request, the status left to the caller (errors: only transport ones are thrown).
    client::HttpResponse request(std::string_view method, const std::string& path, std::string_view body = {},
                                 const client::Headers& extra = {}) const;

    // A streaming GET of an SSE route (Accept: text/event-stream), as HttpClient::stream.
    client::HttpResponse stream(const std::string& path, const client::Headers& extra,
                                const std::function<bool(std::string_view)>& on_data, const std::atomic<bool>* stop,
                                std::chrono::milliseconds idle_timeout,
                                const std::function<bool(const client::HttpResponse&)>& on_open = {}) const;

    // Every page of a list (`path` may carry a query; page and size are added).
    std::vector<Json> list_all(const std::string& path, const std::string& context, int page_size = 500) const;

    // Throws the CliError for a response with an unexpected status.
    [[noreturn]] static void fail(const client::HttpResponse& response, const std::string& context);

    const ApiOptions& options() const { return options_; }

private:
    client::Headers headers(bool with_body) const;

    ApiOptions options_;
    client::HttpClient http_;
};

// Percent-encodes a path segment or query value.
std::string escape(std::string_view text);

// "?search=<escaped>" building: `name = 'x'` with quotes doubled.
std::string search_equals(const std::string& field, const std::string& value);

}  // namespace ambient::cli
