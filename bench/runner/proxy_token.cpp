// bench-runner-proxy-token: mints the token the API server puts on each request it proxies to
// a runner (aud "ambient-runner-proxy", 60 s of life), from a running server's SQLite data
// directory (its signing keys, sealed with the key file there), so that bench/runner/run can
// also read the runner's /events directly, without the proxy in between. Uses the API
// server's own code (RunnerTokens) to sign it: a bench tool, not a way in — whoever can read
// the data directory holds the keys anyway.
//
// Usage: bench-runner-proxy-token --data-dir DIR --session ID --project NAME
// Prints the token on stdout.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "api/auth/runner_tokens.hpp"
#include "api/credentials/keyring.hpp"
#include "api/store/database.hpp"

int main(int argc, char** argv) {
    CLI::App app{"bench-runner-proxy-token: a proxy token for a runner, from the API server's data directory"};
    std::string data_dir;
    std::string session;
    std::string project;
    app.add_option("--data-dir", data_dir, "the API server's --data-dir (SQLite)")->required();
    app.add_option("--session", session, "the session id")->required();
    app.add_option("--project", project, "the session's project")->required();
    CLI11_PARSE(app, argc, argv);
    try {
        auto db = ambient::store::open_sqlite(data_dir);
        const auto keyring = ambient::api::credentials::load_keyring({}, data_dir).keyring;
        ambient::api::RunnerTokens tokens(*db, keyring);
        std::cout << tokens.issue_proxy_token(session, project) << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "bench-runner-proxy-token: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
