#pragma once
// Git authentication for one turn (and for the clones before the first): the fetched tokens
// go into one file, mode 0600 from its creation, in a private directory (mode 0700); git —
// the runner's own clones and the agent's `git push` alike — reads them through the runner
// binary acting as a credential helper (git_credential_helper.hpp). environment() says so
// with GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n, so no gitconfig file is edited
// and the token is in no argv, URL, `.git/config` or log. The first helper entry is empty:
// it resets any helper configured in the user's, system's or repository's config (a `store`
// helper there would otherwise write the token to ~/.git-credentials).
//
// One object per turn, made from that turn's credentials; the clones before the first turn
// use the first turn's. The destructor removes the file; from then on the helper answers
// nothing and git fails without prompting (GIT_TERMINAL_PROMPT=0). The file's path is the
// same on every turn of a runner process (so environment() is too): an agent process that
// lives across turns finds each turn's credentials, and none between turns. Hence one
// object alive at a time per directory. A runner that was killed leaves its file behind:
// the next runner removes files of other processes when it creates its own.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runner/agents/agent.hpp"
#include "runner/git_credential_helper.hpp"

namespace ambient::runner {

class GitCredentialsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GitCredentialsOptions {
    // Where the file goes; created with mode 0700 when missing (its parent must exist or be
    // creatable). E.g. WORKSPACE_PATH/.ambient.
    std::filesystem::path private_dir;
    // The program git runs as the helper, with the arguments `git-credential <operation>`.
    // Empty: this process's own binary (/proc/self/exe), i.e. ambient-runner.
    std::filesystem::path helper_program;
    // Extra host → provider rules, checked before the built-in ones (e.g. a GitHub Enterprise
    // host "git.example.com" → "github"). Hosts without a port.
    std::vector<std::pair<std::string, std::string>> host_providers;
};

class GitCredentials {
public:
    // Writes the file. Throws GitCredentialsError when the directory or file cannot be made
    // private (e.g. the directory is a symlink or belongs to someone else), or when another
    // GitCredentials of this process holds the directory.
    GitCredentials(const std::vector<GitCredential>& credentials, GitCredentialsOptions options);
    ~GitCredentials();  // removes the file; never throws
    GitCredentials(const GitCredentials&) = delete;
    GitCredentials& operator=(const GitCredentials&) = delete;

    // The variables to add to git's (or the agent's) environment: the helper configuration,
    // AMBIENT_GIT_CREDENTIALS_FILE and GIT_TERMINAL_PROMPT=0. It holds no token.
    Environment environment() const;

    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path helper_program_;
    std::filesystem::path file_;
};

// This process's executable (the resolved /proc/self/exe).
std::filesystem::path current_executable();

}  // namespace ambient::runner
