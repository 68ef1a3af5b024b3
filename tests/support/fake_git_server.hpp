#pragma once
// A fake git host (a fake of GitHub's smart HTTP, for tests): the project's own HTTP server on
// 127.0.0.1 and a free port, running the real `git http-backend` (CGI) for every request, so
// clones, fetches and pushes speak git's real wire protocol. It serves one bare repository,
// <root>/<name>.git, created with one commit on `main` and a branch `feature` one commit
// ahead, and demands HTTP Basic auth whose password is the given token (any user name): a
// request without it gets 401 with a Basic challenge, as GitHub does, which is what makes
// git ask its credential helper. Pushes are enabled (http.receivepack). It is a fake: it
// only records the credentials it was offered and how many requests came without any.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ambient::testing {

class FakeGitServer {
public:
    // `root` must exist; the repository and the server's scratch files go there.
    FakeGitServer(std::filesystem::path root, std::string token, std::string name = "project");
    ~FakeGitServer();
    FakeGitServer(const FakeGitServer&) = delete;
    FakeGitServer& operator=(const FakeGitServer&) = delete;

    // http://127.0.0.1:<port>/<name>.git
    std::string url() const;
    const std::filesystem::path& bare_repository() const { return bare_; }

    // The commit a ref (e.g. "refs/heads/main") points to in the served repository, or empty.
    std::string ref(const std::string& name) const;
    // The commits of `main` and `feature` at creation.
    std::string main_commit() const { return main_commit_; }
    std::string feature_commit() const { return feature_commit_; }

    struct Offer {
        std::string username;
        std::string password;
    };
    // Every Basic credential a request carried, in order.
    std::vector<Offer> offered() const;
    // Requests that carried no credential.
    std::size_t anonymous_requests() const;

    struct State;

private:
    std::filesystem::path root_;
    std::filesystem::path bare_;
    std::string name_;
    std::string main_commit_;
    std::string feature_commit_;
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

// Runs a program without a shell and returns its exit code and stdout (stderr is kept in
// `err`); for the fake's own git commands and the tests' (a commit, a push).
struct ProgramResult {
    int status = -1;
    std::string out;
    std::string err;
};
ProgramResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::filesystem::path& cwd, const std::string& input = {});

}  // namespace ambient::testing
