#pragma once
// The session's repositories, cloned before the first turn into WORKSPACE_PATH/repos/<name>.
//
// - Which: RUNNER_REPOS when set, else the session's `repo_url` followed by its `repos` (a
//   JSON list of {url, branch}, upstream's field; a `repos` entry with the repo_url's URL
//   gives it its branch rather than a second clone).
// - URLs: https, http, ssh (`ssh://[user@]host/path` or `[user@]host:path`) and file://.
//   Anything else is refused, notably git's `<transport>::` forms (`ext::` runs commands)
//   and local paths; so is a URL carrying credentials (userinfo on http(s), a password on
//   ssh): tokens come from the credential helper only, never from a URL.
// - Names: the URL's last path segment without `.git`, in [A-Za-z0-9._-] (others become
//   '-', no leading '.' or '-'), "-2", "-3"… for repeats; the same list gives the same names.
// - Branch: the given branch, tracking the remote one when it exists, else created from the
//   default branch; without one, `ambient/<session id>` (tracking the remote one when a
//   previous runner pushed it). push.autoSetupRemote lets a plain `git push` publish it.
// - Identity: user.name/user.email in the repository's own config.
// - A repository already cloned (a restarted runner) is reused as it is, not re-cloned: the
//   agent's work there survives. A clone is made in a temporary directory and renamed, so a
//   runner killed mid-clone leaves nothing that looks like a finished one.
// - git runs without a shell, with a timeout, GIT_TERMINAL_PROMPT=0, GIT_ALLOW_PROTOCOL
//   limited to the schemes above, and the caller's git environment (GitCredentials).
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/agents/agent.hpp"
#include "runner/config.hpp"

namespace ambient::runner {

// A repository could not be prepared. what() is "cannot clone <url>: <reason>" (or similar)
// with the URL stripped of any userinfo and git's own words as the reason; it never holds a
// token the runner gave git, but the caller redacts it anyway, as everything it emits.
class RepositoryError : public std::runtime_error {
public:
    RepositoryError(std::string repository, const std::string& message)
        : std::runtime_error(message), repository_(std::move(repository)) {}
    // The URL without userinfo ("repos" for a malformed list).
    const std::string& repository() const { return repository_; }

private:
    std::string repository_;
};

struct RepositoryOptions {
    std::filesystem::path workspace;        // WORKSPACE_PATH
    std::string session_id;                 // names the default branch ambient/<session id>
    Environment git_environment;            // GitCredentials::environment(): how git authenticates
    std::chrono::seconds git_timeout{300};  // for each git command (a clone is one)
    std::string user_name = "Ambient Code Bot";
    std::string user_email = "bot@ambient-code.local";
};

struct PreparedRepository {
    std::string url;
    std::string name;
    std::filesystem::path path;
    std::string branch;   // checked out
    bool reused = false;  // it was there already
};

struct PreparedWorkspace {
    // Where the agent works: the first repository, or WORKSPACE_PATH/artifacts (created).
    std::filesystem::path working_directory;
    std::vector<PreparedRepository> repositories;
};

// The session's repo_url and repos (JSON text, or a JSON array). Throws RepositoryError
// ("repos") when `repos` is not a list of URLs or {url, branch}.
std::vector<RepoSpec> session_repositories(const nlohmann::json& session);

// RUNNER_REPOS (config.repos_override) when set, else session_repositories(session).
std::vector<RepoSpec> repositories_to_clone(const RunnerConfig& config, const nlohmann::json& session);

// Throws RepositoryError when `url` is not one the runner clones (see above).
void check_repository_url(const std::string& url);

// `url` without userinfo, for messages.
std::string url_without_userinfo(const std::string& url);

// The directory names under repos/, one per entry, deduplicated.
std::vector<std::string> repository_names(const std::vector<RepoSpec>& repos);

// Clones (or reuses) every repository in order and returns where the agent works. Blocks
// (network): call it from the turn loop's thread, before the first turn. Throws
// RepositoryError — for any URL refused, before anything is cloned; else for the first one
// that fails, those before it staying cloned (a retry reuses them).
PreparedWorkspace prepare_repositories(const std::vector<RepoSpec>& repos, const RepositoryOptions& options);

}  // namespace ambient::runner
