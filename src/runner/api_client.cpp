#include "runner/api_client.hpp"

#include <thread>

#include "common/client/sse_parser.hpp"

namespace ambient::runner {
namespace {

constexpr const char* kApiBase = "/api/ambient/v1";

SessionMessage message_from_json(const nlohmann::json& j) {
    SessionMessage m;
    m.seq = j.value("seq", std::int64_t{0});
    m.event_type = j.value("event_type", "");
    m.payload = j.value("payload", "");
    return m;
}

}  // namespace

std::string error_reason(const client::HttpResponse& response) {
    const auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_object() && j.contains("reason") && j["reason"].is_string()) return j["reason"].get<std::string>();
    return response.body.substr(0, 200);
}

ApiClient::ApiClient(std::string backend_api_url, std::string session_id, const TokenSource& tokens)
    : backend_(std::move(backend_api_url)), session_id_(std::move(session_id)), tokens_(tokens), http_(backend_) {}

client::HttpResponse ApiClient::call(std::string_view method, const std::string& path, std::string_view body,
                                     client::Headers headers) const {
    headers.emplace_back("Accept", "application/json");
    for (int attempt = 0;; ++attempt) {
        auto with_token = headers;
        with_token.emplace_back("Authorization", "Bearer " + tokens_.current());
        auto response = http_.request(method, kApiBase + path, body, with_token);
        // One re-read: the control plane may have rewritten the file since the last read.
        if (response.status == 401 && attempt == 0) continue;
        return response;
    }
}

nlohmann::json ApiClient::session() const {
    const auto r = call("GET", "/sessions/" + session_id_);
    if (r.status != 200)
        throw ApiCallError(r.status, "reading the session: HTTP " + std::to_string(r.status) + ": " + error_reason(r));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object()) throw ApiCallError(r.status, "reading the session: not a JSON object");
    return j;
}

std::vector<SessionMessage> ApiClient::messages_after(std::int64_t after_seq) const {
    std::vector<SessionMessage> out;
    for (;;) {
        const auto r = call(
            "GET", "/sessions/" + session_id_ + "/messages?after_seq=" + std::to_string(after_seq) + "&limit=1000");
        if (r.status != 200)
            throw ApiCallError(
                r.status, "reading the session's messages: HTTP " + std::to_string(r.status) + ": " + error_reason(r));
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_array()) throw ApiCallError(r.status, "reading the session's messages: not a JSON array");
        for (const auto& m : j)
            out.push_back(message_from_json(m));
        const auto next = r.header("x-ambient-next-after-seq");
        if (next.empty() || j.empty()) return out;
        after_seq = std::stoll(next);
    }
}

SessionMessage ApiClient::push_message(const std::string& event_type, const std::string& payload) const {
    const auto body = nlohmann::json{{"event_type", event_type}, {"payload", payload}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto delay = std::chrono::milliseconds(200);
    for (int attempt = 1;; ++attempt) {
        try {
            const auto r = call("POST", "/sessions/" + session_id_ + "/messages", body);
            if (r.status == 201 || r.status == 200)
                return message_from_json(nlohmann::json::parse(r.body, nullptr, false));
            if (r.status < 500 || attempt >= 4)
                throw ApiCallError(r.status, "writing a " + event_type + " message: HTTP " + std::to_string(r.status) +
                                                 ": " + error_reason(r));
        } catch (const client::TransportError&) {
            if (attempt >= 4) throw;
        }
        std::this_thread::sleep_for(delay);
        delay *= 2;
    }
}

client::HttpResponse ApiClient::credential_token(const std::string& credential_id) const {
    return call("GET", "/credentials/" + client::url_encode(credential_id) + "/token");
}

std::string ApiClient::runner_jwks() const {
    const auto r = http_.request("GET", std::string(kApiBase) + "/runner_tokens/jwks");
    if (r.status != 200) throw ApiCallError(r.status, "reading the runner JWKS: HTTP " + std::to_string(r.status));
    return r.body;
}

ApiClient::StreamEnd ApiClient::follow_messages(std::int64_t after_seq,
                                                const std::function<bool(const SessionMessage&)>& on_message,
                                                const std::atomic<bool>& stop,
                                                std::chrono::milliseconds idle_timeout) const {
    bool error_event = false;
    bool stopped = false;
    client::SseParser parser([&](const client::SseEvent& ev) {
        if (ev.event == "error" || ev.event == "ERROR") {
            // The server could not go on; the caller resumes after the last message seen.
            error_event = true;
            return false;
        }
        const auto j = nlohmann::json::parse(ev.data, nullptr, false);
        if (!j.is_object()) return true;  // not a message: skip, the stream goes on
        stopped = !on_message(message_from_json(j));
        return !stopped;
    });
    const std::string path =
        std::string(kApiBase) + "/sessions/" + session_id_ + "/messages?after_seq=" + std::to_string(after_seq);
    for (int attempt = 0;; ++attempt) {
        client::Headers headers{{"Accept", "text/event-stream"},
                                {"Last-Event-ID", std::to_string(after_seq)},
                                {"Authorization", "Bearer " + tokens_.current()}};
        const auto r = http_.stream(
            path, headers, [&](std::string_view bytes) { return parser.feed(bytes); }, &stop, idle_timeout);
        if (r.status == 401 && attempt == 0) continue;
        if (r.status != 200)
            throw ApiCallError(r.status, "following the session's messages: HTTP " + std::to_string(r.status) + ": " +
                                             error_reason(r));
        if (error_event) return StreamEnd::ErrorEvent;
        return stopped || stop.load() ? StreamEnd::Stopped : StreamEnd::Closed;
    }
}

}  // namespace ambient::runner
