#include "cli/fake_oidc.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <map>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "common/http/server.hpp"
#include "common/http/url.hpp"
#include "common/jwt/base64url.hpp"
#include "support/url_encode.hpp"

namespace ambient::testing::cli {

constexpr const char* kRealmPath = "/realms/test";

struct FakeOidc::State {
    Minter mint;
    Options options;
    mutable std::mutex mutex;
    struct PendingCode {
        std::string challenge;
        std::string redirect_uri;
        std::string client_id;
    };
    std::map<std::string, PendingCode> codes;           // code → what it was issued for
    std::map<std::string, std::string> refresh_tokens;  // token → username
    std::map<std::string, int> issued;                  // grant type → count
};

struct FakeOidc::Server {
    http::Router router;
    std::unique_ptr<http::Server> server;
};

namespace {

using Form = std::map<std::string, std::string>;

std::string random_text() {
    unsigned char bytes[16];
    RAND_bytes(bytes, sizeof bytes);
    return jwt::base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string s256(const std::string& verifier) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
    return jwt::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Form parse_form(const std::string& body) {
    Form form;
    std::string_view rest = body;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        const auto key = http::percent_decode(pair.substr(0, eq), true);
        const auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                        : http::percent_decode(pair.substr(eq + 1), true);
        if (key && value) form.emplace(*key, *value);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    }
    return form;
}

std::string field(const Form& form, const std::string& key) {
    const auto it = form.find(key);
    return it == form.end() ? std::string() : it->second;
}

http::Response oauth_error(int status, const std::string& error, const std::string& description) {
    return http::Response::json(status, nlohmann::json{{"error", error}, {"error_description", description}}.dump());
}

// The issuer's answer once the user signed in: back to the client with a code.
http::Response authorize(FakeOidc::State& state, const http::Request& req) {
    const auto param = [&req](std::string_view name) { return std::string(req.query_param(name).value_or("")); };
    if (param("response_type") != "code") return oauth_error(400, "unsupported_response_type", "expected code");
    if (param("client_id") != state.options.client_id) return oauth_error(400, "unauthorized_client", "unknown client");
    if (param("code_challenge_method") != "S256" || param("code_challenge").empty())
        return oauth_error(400, "invalid_request", "PKCE with S256 is required");
    const auto redirect_uri = param("redirect_uri");
    if (redirect_uri.rfind("http://127.0.0.1:", 0) != 0) return oauth_error(400, "invalid_request", "bad redirect_uri");
    const auto code = random_text();
    {
        std::lock_guard lock(state.mutex);
        state.codes[code] = {param("code_challenge"), redirect_uri, param("client_id")};
    }
    http::Response response;
    response.status = 302;
    response.set_header("Location",
                        redirect_uri + "?code=" + url_encode(code) + "&state=" + url_encode(param("state")));
    return response;
}

nlohmann::json issue(FakeOidc::State& state, const std::string& grant, const std::string& username,
                     bool with_refresh_token) {
    nlohmann::json tokens = {{"access_token", state.mint(username)}, {"token_type", "Bearer"}, {"expires_in", 300}};
    std::lock_guard lock(state.mutex);
    if (with_refresh_token) {
        const auto refresh = "refresh-" + random_text();
        state.refresh_tokens[refresh] = username;
        tokens["refresh_token"] = refresh;
    }
    ++state.issued[grant];
    return tokens;
}

http::Response authorization_code_grant(FakeOidc::State& state, const Form& form) {
    FakeOidc::State::PendingCode pending;
    {
        std::lock_guard lock(state.mutex);
        const auto it = state.codes.find(field(form, "code"));
        if (it == state.codes.end()) return oauth_error(400, "invalid_grant", "Code not valid");
        pending = it->second;
        state.codes.erase(it);  // a code is used once
    }
    if (field(form, "client_id") != pending.client_id) return oauth_error(400, "invalid_grant", "client mismatch");
    if (field(form, "redirect_uri") != pending.redirect_uri)
        return oauth_error(400, "invalid_grant", "Incorrect redirect_uri");
    if (s256(field(form, "code_verifier")) != pending.challenge)
        return oauth_error(400, "invalid_grant", "PKCE verification failed: code verifier does not match");
    return http::Response::json(200, issue(state, "authorization_code", state.options.username, true).dump());
}

http::Response client_credentials_grant(FakeOidc::State& state, const Form& form) {
    if (field(form, "client_id") != state.options.client_id ||
        field(form, "client_secret") != state.options.client_secret)
        return oauth_error(401, "unauthorized_client", "Invalid client or Invalid client credentials");
    const auto username = "service-account-" + state.options.client_id;
    return http::Response::json(200, issue(state, "client_credentials", username, false).dump());
}

http::Response refresh_token_grant(FakeOidc::State& state, const Form& form) {
    std::string username;
    {
        std::lock_guard lock(state.mutex);
        const auto it = state.refresh_tokens.find(field(form, "refresh_token"));
        if (it == state.refresh_tokens.end()) return oauth_error(400, "invalid_grant", "Token is not active");
        username = it->second;
        state.refresh_tokens.erase(it);  // rotated: the old one is spent
    }
    if (field(form, "client_id") != state.options.client_id)
        return oauth_error(400, "invalid_client", "client mismatch");
    return http::Response::json(200, issue(state, "refresh_token", username, true).dump());
}

http::Response token(FakeOidc::State& state, const http::Request& req) {
    const auto form = parse_form(req.body);
    const auto grant = field(form, "grant_type");
    if (grant == "authorization_code") return authorization_code_grant(state, form);
    if (grant == "client_credentials") return client_credentials_grant(state, form);
    if (grant == "refresh_token") return refresh_token_grant(state, form);
    return oauth_error(400, "unsupported_grant_type", "unsupported grant type " + grant);
}

}  // namespace

FakeOidc::FakeOidc(Minter mint) : FakeOidc(std::move(mint), Options{}) {}

FakeOidc::FakeOidc(Minter mint, Options options)
    : state_(std::make_shared<State>()), server_(std::make_unique<Server>()) {
    state_->mint = std::move(mint);
    state_->options = std::move(options);
    const std::string realm = kRealmPath;
    auto on_authorize = [state = state_](http::Request& req) { return authorize(*state, req); };
    auto on_token = [state = state_](http::Request& req) { return token(*state, req); };
    server_->router.add({"GET", realm + "/authorize", on_authorize, true});
    server_->router.add({"GET", realm + "/protocol/openid-connect/auth", on_authorize, true});
    server_->router.add({"POST", realm + "/token", on_token, true});
    server_->router.add({"POST", realm + "/protocol/openid-connect/token", on_token, true});
    if (state_->options.discovery) {
        server_->router.add({"GET", realm + "/.well-known/openid-configuration",
                             [this](http::Request&) {
                                 const auto issuer = issuer_url();
                                 return http::Response::json(
                                     200, nlohmann::json{{"issuer", issuer},
                                                         {"authorization_endpoint", issuer + "/authorize"},
                                                         {"token_endpoint", issuer + "/token"}}
                                              .dump());
                             },
                             true});
    }
    http::ServerOptions server_options;
    server_options.port = 0;
    server_options.worker_threads = 2;
    server_options.shutdown_grace = std::chrono::seconds(2);
    server_->server = std::make_unique<http::Server>(server_options, server_->router);
    server_->server->start();
}

FakeOidc::~FakeOidc() {
    server_->server->stop();
}

std::string FakeOidc::issuer_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->server->port()) + kRealmPath;
}

std::string FakeOidc::issue_refresh_token(const std::string& username) {
    const auto refresh = "refresh-" + random_text();
    std::lock_guard lock(state_->mutex);
    state_->refresh_tokens[refresh] = username;
    return refresh;
}

void FakeOidc::revoke_refresh_tokens() {
    std::lock_guard lock(state_->mutex);
    state_->refresh_tokens.clear();
}

int FakeOidc::tokens_issued(const std::string& grant_type) const {
    std::lock_guard lock(state_->mutex);
    const auto it = state_->issued.find(grant_type);
    return it == state_->issued.end() ? 0 : it->second;
}

}  // namespace ambient::testing::cli
