#pragma once
// A fake OIDC issuer for acpctl's login tests. It is a fake: the project's own HTTP server on
// 127.0.0.1 and a free port, speaking the parts of the protocol acpctl uses —
//   GET  <issuer>/.well-known/openid-configuration     (unless discovery is off: then 404,
//                                                       and clients use Keycloak's paths)
//   GET  <issuer>/authorize, …/protocol/openid-connect/auth
//        checks response_type=code, the client id, an S256 code_challenge and a redirect_uri,
//        then answers 302 to redirect_uri?code=…&state=… as an issuer does once the user
//        signed in (the test plays the browser and follows it);
//   POST <issuer>/token, …/protocol/openid-connect/token
//        authorization_code (the code_verifier must hash to the challenge, the redirect_uri
//        and client must match), client_credentials (the configured secret), refresh_token
//        (a refresh token it issued and has not revoked); errors are OAuth's
//        {"error","error_description"} with 400 or 401.
// Access tokens come from the test's minter (signed by the key the API server trusts), so
// what the fake issues works against the real server.
#include <functional>
#include <memory>
#include <string>

namespace ambient::testing::cli {

class FakeOidc {
public:
    // The access token for a username.
    using Minter = std::function<std::string(const std::string& username)>;

    struct Options {
        bool discovery = true;
        std::string client_id = "acpctl";
        std::string client_secret = "fake-client-secret";
        std::string username = "oidc-user";  // who signs in through the "browser"
    };

    explicit FakeOidc(Minter mint);
    FakeOidc(Minter mint, Options options);
    ~FakeOidc();
    FakeOidc(const FakeOidc&) = delete;
    FakeOidc& operator=(const FakeOidc&) = delete;

    // http://127.0.0.1:<port>/realms/test
    std::string issuer_url() const;
    // A refresh token for `username` as if issued at an earlier login.
    std::string issue_refresh_token(const std::string& username);
    // Every refresh token issued so far is refused from now on (a session ended at the issuer).
    void revoke_refresh_tokens();
    // How many token requests of a grant type succeeded.
    int tokens_issued(const std::string& grant_type) const;

    struct State;

private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

}  // namespace ambient::testing::cli
