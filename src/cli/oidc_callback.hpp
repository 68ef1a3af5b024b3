#pragma once
// The loopback redirect of the authorization-code flow (RFC 8252 §7.3): a tiny HTTP listener
// on 127.0.0.1 and an ephemeral port that waits for the browser to come back to
// /callback?code=…&state=…. It answers one request at a time; other paths get 404 and the
// wait goes on, so a browser's /favicon.ico does not end the login.
#include <chrono>
#include <string>

namespace ambient::cli {

class LoopbackCallback {
public:
    // Binds and listens; a CliError when no port could be had.
    LoopbackCallback();
    ~LoopbackCallback();
    LoopbackCallback(const LoopbackCallback&) = delete;
    LoopbackCallback& operator=(const LoopbackCallback&) = delete;

    // "http://127.0.0.1:<port>/callback"
    std::string redirect_uri() const;

    // Serves requests until /callback arrives and returns its code. A callback whose state is
    // not `state` (400, "possible CSRF"), one carrying an OAuth error (400, the issuer's
    // description) or one without a code (400) ends the login with a CliError, as does the
    // deadline passing.
    std::string wait_for_code(const std::string& state, std::chrono::steady_clock::time_point deadline);

private:
    int listener_ = -1;
    int port_ = 0;
};

}  // namespace ambient::cli
