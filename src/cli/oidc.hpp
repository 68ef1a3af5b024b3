#pragma once
// OIDC for `acpctl login`: the authorization-code flow with PKCE (a loopback callback), the
// client-credentials grant, and renewal of an expired access token with the stored refresh
// token. The issuer's endpoints come from its discovery document, else Keycloak's paths.
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/config.hpp"

namespace ambient::cli {

// Upstream's defaults for --issuer-url and --client-id.
inline constexpr const char* kDefaultIssuerUrl = "https://sso.redhat.com/auth/realms/redhat-external";
inline constexpr const char* kDefaultClientId = "ocm-cli";

struct OidcClient {
    std::string issuer_url;
    std::string client_id;
    std::string client_secret;  // confidential clients only; never stored
};

struct OidcEndpoints {
    std::string authorization;
    std::string token;
};

struct TokenSet {
    std::string access_token;
    std::string refresh_token;  // "" when the issuer gave none
};

// <issuer>/.well-known/openid-configuration's authorization_endpoint and token_endpoint;
// Keycloak's <issuer>/protocol/openid-connect/{auth,token} when there is no usable document.
OidcEndpoints discover_endpoints(const std::string& issuer_url);

// Why a token endpoint refused: its error_description, else its error, else "HTTP <status>".
std::string token_error_reason(int status, const std::string& body);

// RFC 7636: a random verifier and its S256 challenge, both base64url.
struct Pkce {
    std::string verifier;
    std::string challenge;
};
Pkce make_pkce();
// `bytes` random bytes, base64url (state values, verifiers).
std::string random_url_token(std::size_t bytes);

// The URL the user opens: response_type=code, client_id, redirect_uri, scope=openid, state,
// code_challenge and code_challenge_method=S256.
std::string authorization_url(const std::string& authorization_endpoint, const std::string& client_id,
                              const std::string& redirect_uri, const std::string& state, const std::string& challenge);

// The whole authorization-code flow: `announce` is given the URL to open (printing it and
// starting a browser is the caller's business); waits up to `timeout` for the callback, then
// trades the code (with the verifier) for tokens. Failures are CliErrors.
TokenSet login_with_auth_code(const OidcClient& client, const std::function<void(const std::string&)>& announce,
                              std::chrono::seconds timeout = std::chrono::minutes(5));

// The client_credentials grant (client_id and client_secret in the form).
TokenSet login_with_client_credentials(const OidcClient& client);

// When config.access_token is a JWT whose exp has passed (or is within 30 s) and a refresh
// token, issuer and client id are stored, trades the refresh token at the issuer's token
// endpoint, stores the new tokens in `config` and returns true (the caller saves the file).
// False when nothing needed (or could) be done; a refusal by the issuer is a CliError (exit 3).
bool renew_expired_token(Config& config);

}  // namespace ambient::cli
