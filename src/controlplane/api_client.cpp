#include "controlplane/api_client.hpp"

#include <algorithm>
#include <exception>

namespace ambient::controlplane {
namespace {

std::string session_path(const std::string& id, std::string_view rest) {
    return "/api/ambient/v1/sessions/" + client::url_encode(id) + std::string(rest);
}

// The API server's error body carries `reason`; anything else is cut short.
std::string reason_of(const std::string& body) {
    try {
        const auto j = nlohmann::json::parse(body);
        if (j.is_object() && j.contains("reason") && j["reason"].is_string()) return j["reason"].get<std::string>();
    } catch (const std::exception&) {
    }
    return body.substr(0, 200);
}

}  // namespace

client::HttpResponse ApiClient::call(std::string_view method, const std::string& path, const std::string& body) const {
    std::string token;
    try {
        token = token_();
    } catch (const std::exception& e) {
        throw ApiCallError(0, std::string("no service token: ") + e.what());
    }
    client::HttpResponse response;
    try {
        response =
            http_.request(method, path, body, {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}});
    } catch (const client::TransportError& e) {
        throw ApiCallError(0, e.what());
    }
    if (response.status < 200 || response.status >= 300) {
        throw ApiCallError(response.status, std::string(method) + " " + path.substr(0, path.find('?')) + ": " +
                                                std::to_string(response.status) + " " + reason_of(response.body));
    }
    return response;
}

nlohmann::json ApiClient::patch_status(const std::string& session_id, const nlohmann::json& fields) const {
    const auto response = call("PATCH", session_path(session_id, "/status"), fields.dump());
    try {
        return nlohmann::json::parse(response.body);
    } catch (const std::exception& e) {
        throw ApiCallError(response.status, std::string("status write: the answer is not JSON: ") + e.what());
    }
}

RunnerToken ApiClient::mint_runner_token(const std::string& session_id) const {
    const auto response = call("POST", session_path(session_id, "/runner_token"), "{}");
    try {
        const auto j = nlohmann::json::parse(response.body);
        RunnerToken t{j.at("token").get<std::string>(), j.value("expires_at", std::string())};
        if (t.token.empty()) throw std::invalid_argument("empty token");
        return t;
    } catch (const nlohmann::json::parse_error&) {
        // A parse error's message quotes what it last read, which may be part of a token.
        throw ApiCallError(response.status, "runner token: the answer is not JSON");
    } catch (const std::exception& e) {
        // e.what() is about the shape, never the body (which holds the token).
        throw ApiCallError(response.status, std::string("runner token: unexpected answer: ") + e.what());
    }
}

RunnerTokenBatch ApiClient::mint_runner_tokens(const std::vector<std::string>& session_ids) const {
    const auto response =
        call("POST", "/api/ambient/v1/runner_tokens", nlohmann::json{{"session_ids", session_ids}}.dump());
    RunnerTokenBatch batch;
    try {
        const auto j = nlohmann::json::parse(response.body);
        for (const auto& item : j.at("items")) {
            RunnerTokenBatch::Item i{item.at("session_id").get<std::string>(),
                                     {item.at("token").get<std::string>(), item.value("expires_at", std::string())}};
            if (i.token.token.empty()) throw std::invalid_argument("empty token");
            batch.items.push_back(std::move(i));
        }
        for (const auto& error : j.at("errors")) {
            batch.errors.push_back({error.at("session_id").get<std::string>(), error.value("status", 0),
                                    error.value("reason", std::string())});
        }
    } catch (const nlohmann::json::parse_error&) {
        throw ApiCallError(response.status, "runner tokens: the answer is not JSON");
    } catch (const std::exception& e) {
        // Like mint_runner_token: the shape, never the body.
        throw ApiCallError(response.status, std::string("runner tokens: unexpected answer: ") + e.what());
    }
    return batch;
}

std::vector<std::pair<std::string, std::string>> ApiClient::credential_ids(const std::string& session_id) const {
    const auto response = call("GET", session_path(session_id, "/credentials"), {});
    std::vector<std::pair<std::string, std::string>> ids;
    try {
        const auto j = nlohmann::json::parse(response.body);
        for (const auto& item : j.at("items")) {
            const auto provider = item.at("provider").get<std::string>();
            const bool seen = std::any_of(ids.begin(), ids.end(), [&](const auto& p) { return p.first == provider; });
            // The list is most specific first: the first credential of a provider wins.
            if (!seen) ids.emplace_back(provider, item.at("credential_id").get<std::string>());
        }
    } catch (const std::exception& e) {
        throw ApiCallError(response.status, std::string("credentials: unexpected answer: ") + e.what());
    }
    return ids;
}

std::string credential_ids_json(const std::vector<std::pair<std::string, std::string>>& ids) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [provider, id] : ids)
        j[provider] = id;
    return j.dump();
}

}  // namespace ambient::controlplane
