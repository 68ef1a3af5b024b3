#include "cli/oidc.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "cli/errors.hpp"
#include "cli/jwt_claims.hpp"
#include "cli/oidc_callback.hpp"
#include "common/client/http_client.hpp"
#include "common/jwt/base64url.hpp"

namespace ambient::cli {
namespace {

using Form = std::vector<std::pair<std::string, std::string>>;

// A token within this of its exp is renewed already: it could expire on the way.
constexpr auto kRenewalMargin = std::chrono::seconds(30);
constexpr auto kIssuerTimeout = std::chrono::seconds(30);

// "https://host:port/a/b?q" → {"https://host:port", "/a/b?q"}: HttpClient takes an origin and
// a path.
std::pair<std::string, std::string> split_url(const std::string& url) {
    const auto scheme_end = url.find("://");
    const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    if (path_start == std::string::npos) return {url, "/"};
    return {url.substr(0, path_start), url.substr(path_start)};
}

client::HttpResponse issuer_request(const std::string& url, std::string_view method, const std::string& body,
                                    const client::Headers& headers) {
    const auto [origin, path] = split_url(url);
    client::ClientOptions options;
    options.request_timeout = kIssuerTimeout;
    try {
        return client::HttpClient(origin, options).request(method, path, body, headers);
    } catch (const std::invalid_argument&) {
        throw usage_error("invalid issuer URL \"" + url + "\": must be http(s)://host[:port][/path]");
    } catch (const client::TransportError& e) {
        throw CliError("cannot reach the OIDC issuer at " + origin + ": " + e.what(), kExitServer);
    }
}

std::string form_encode(const Form& form) {
    std::string out;
    for (const auto& [key, value] : form) {
        if (!out.empty()) out += '&';
        out += client::url_encode(key) + "=" + client::url_encode(value);
    }
    return out;
}

std::string string_field(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// POSTs a form to the token endpoint; `what` starts the error line.
TokenSet request_tokens(const std::string& token_endpoint, const Form& form, const std::string& what) {
    const auto response =
        issuer_request(token_endpoint, "POST", form_encode(form),
                       {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}});
    if (response.status != 200) {
        const int code = response.status >= 500 ? kExitServer : kExitForbidden;
        throw CliError(what + ": " + token_error_reason(response.status, response.body), code);
    }
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    TokenSet tokens;
    if (body.is_object()) {
        tokens.access_token = string_field(body, "access_token");
        tokens.refresh_token = string_field(body, "refresh_token");
    }
    if (tokens.access_token.empty()) throw CliError(what + ": the issuer's answer holds no access_token", kExitServer);
    return tokens;
}

std::string trimmed_issuer(std::string issuer) {
    while (!issuer.empty() && issuer.back() == '/')
        issuer.pop_back();
    return issuer;
}

}  // namespace

OidcEndpoints discover_endpoints(const std::string& issuer_url) {
    const auto issuer = trimmed_issuer(issuer_url);
    OidcEndpoints keycloak{issuer + "/protocol/openid-connect/auth", issuer + "/protocol/openid-connect/token"};
    client::HttpResponse response;
    try {
        response =
            issuer_request(issuer + "/.well-known/openid-configuration", "GET", {}, {{"Accept", "application/json"}});
    } catch (const CliError&) {
        // Unreachable now: the token request that follows reports it with its own context.
        return keycloak;
    }
    if (response.status != 200) return keycloak;
    const auto document = nlohmann::json::parse(response.body, nullptr, false);
    if (!document.is_object()) return keycloak;
    OidcEndpoints found{string_field(document, "authorization_endpoint"), string_field(document, "token_endpoint")};
    if (found.authorization.empty()) found.authorization = keycloak.authorization;
    if (found.token.empty()) found.token = keycloak.token;
    return found;
}

std::string token_error_reason(int status, const std::string& body) {
    const auto error = nlohmann::json::parse(body, nullptr, false);
    if (error.is_object()) {
        if (auto description = string_field(error, "error_description"); !description.empty()) return description;
        if (auto code = string_field(error, "error"); !code.empty()) return code;
    }
    return "HTTP " + std::to_string(status);
}

std::string random_url_token(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
        throw CliError("no randomness for the login (RAND_bytes failed)", kExitServer);
    return jwt::base64url_encode(raw);
}

Pkce make_pkce() {
    Pkce pkce;
    pkce.verifier = random_url_token(32);  // 43 characters, RFC 7636's minimum length
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(pkce.verifier.data()), pkce.verifier.size(), digest);
    pkce.challenge = jwt::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
    return pkce;
}

std::string authorization_url(const std::string& authorization_endpoint, const std::string& client_id,
                              const std::string& redirect_uri, const std::string& state, const std::string& challenge) {
    const Form query = {
        {"response_type", "code"}, {"client_id", client_id},      {"redirect_uri", redirect_uri},   {"scope", "openid"},
        {"state", state},          {"code_challenge", challenge}, {"code_challenge_method", "S256"}};
    const char separator = authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
    return authorization_endpoint + separator + form_encode(query);
}

TokenSet login_with_auth_code(const OidcClient& client, const std::function<void(const std::string&)>& announce,
                              std::chrono::seconds timeout) {
    const auto endpoints = discover_endpoints(client.issuer_url);
    LoopbackCallback callback;
    const auto pkce = make_pkce();
    const auto state = random_url_token(16);
    announce(
        authorization_url(endpoints.authorization, client.client_id, callback.redirect_uri(), state, pkce.challenge));
    const auto code = callback.wait_for_code(state, std::chrono::steady_clock::now() + timeout);
    Form form = {{"grant_type", "authorization_code"},
                 {"code", code},
                 {"redirect_uri", callback.redirect_uri()},
                 {"client_id", client.client_id},
                 {"code_verifier", pkce.verifier}};
    if (!client.client_secret.empty()) form.emplace_back("client_secret", client.client_secret);
    return request_tokens(endpoints.token, form, "exchange the authorization code");
}

TokenSet login_with_client_credentials(const OidcClient& client) {
    const auto endpoints = discover_endpoints(client.issuer_url);
    return request_tokens(endpoints.token,
                          {{"grant_type", "client_credentials"},
                           {"client_id", client.client_id},
                           {"client_secret", client.client_secret}},
                          "client credentials login");
}

bool renew_expired_token(Config& config) {
    const auto expiry = token_expiry(config.access_token);
    if (!expiry || *expiry > std::chrono::system_clock::now() + kRenewalMargin) return false;
    if (config.refresh_token.empty() || config.issuer_url.empty() || config.client_id.empty()) return false;
    const auto endpoints = discover_endpoints(config.issuer_url);
    TokenSet tokens;
    try {
        tokens = request_tokens(
            endpoints.token,
            {{"grant_type", "refresh_token"}, {"refresh_token", config.refresh_token}, {"client_id", config.client_id}},
            "renew the expired access token");
    } catch (const CliError& e) {
        throw CliError(std::string(e.what()) + "; run 'acpctl login' again", e.exit_code());
    }
    config.access_token = tokens.access_token;
    // Issuers that rotate refresh tokens send a new one; others keep the old one valid.
    if (!tokens.refresh_token.empty()) config.refresh_token = tokens.refresh_token;
    return true;
}

}  // namespace ambient::cli
