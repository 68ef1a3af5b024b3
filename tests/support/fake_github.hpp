#pragma once
// A fake of GitHub's REST API, for end-to-end tests whose agents call it with $GITHUB_TOKEN.
// It is a fake: the project's own HTTP server on 127.0.0.1 and a free port, answering
// `GET /user` with 200 and a fixed user (as api.github.com does for a valid token) and
// `GET /` with 200, recording the Authorization header of every request it gets. It accepts
// any token: what a test checks is which token arrived, not the fake's verdict.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace ambient::testing {

class FakeGitHub {
public:
    struct Request {
        std::string method;
        std::string target;
        std::string authorization;  // the header as sent ("token …", "Bearer …"), "" when absent
    };

    FakeGitHub();
    ~FakeGitHub();
    FakeGitHub(const FakeGitHub&) = delete;
    FakeGitHub& operator=(const FakeGitHub&) = delete;

    // http://127.0.0.1:<port>
    std::string base_url() const;
    std::vector<Request> requests() const;
    // Waits until `count` requests arrived; false at the deadline.
    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

    struct State;

private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

// The credential in an Authorization header: what follows "token " or "Bearer " (GitHub takes
// both), else the header as it is.
std::string github_token_of(const std::string& authorization);

}  // namespace ambient::testing
