#pragma once
// The git credential helper: `ambient-runner git-credential <operation>`, which git runs (as
// configured by GitCredentials::environment()) when a remote asks for a password. It reads
// the credential file named by AMBIENT_GIT_CREDENTIALS_FILE (written 0600 by GitCredentials,
// removed after the turn) and answers `get` with a username and the token of the credential
// that belongs to the host; `store` and `erase` are accepted and ignored (the file is the
// only store). It never writes the token anywhere but to git on stdout, never logs it, and
// says nothing at all (git then fails without prompting) when the file is gone or no
// credential fits the host.
//
// Which credential a host gets (choose_git_credential):
//   1. Only https, or http to a loopback host (localhost, 127.0.0.0/8, ::1): a token never
//      travels in clear text over a network.
//   2. An explicit host → provider rule from the file (GitCredentialsOptions::host_providers;
//      e.g. a GitHub Enterprise host), matched on the host without its port.
//   3. github.com or a host containing "github" → the `github` credential, user
//      `x-access-token`; a host containing "gitlab" → the `gitlab` credential, user `oauth2`.
//   4. A loopback host (a local git server: tests, a runner started by hand) → the `github`
//      credential, or else the only credential there is.
//   5. Otherwise the one credential whose provider is a dot-separated label of the host
//      (provider `bitbucket` for bitbucket.org), user `x-access-token`.
// Credentials without a token, or with a line break in it, are never offered.
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ambient::runner {

// One credential the runner fetched for this turn.
struct GitCredential {
    std::string provider;  // "github", "gitlab", …
    std::string credential_id;
    std::string token;  // the secret
};

// The variable that names the credential file for the helper.
inline constexpr const char* kGitCredentialsFileVariable = "AMBIENT_GIT_CREDENTIALS_FILE";
// argv[1] that makes the runner binary act as the helper.
inline constexpr const char* kGitCredentialSubcommand = "git-credential";

// What the credential file holds.
struct GitCredentialFile {
    std::vector<GitCredential> credentials;
    std::vector<std::pair<std::string, std::string>> host_providers;  // host (no port) → provider
};

std::string serialize_git_credential_file(const GitCredentialFile& file);
// nullopt when the text is not a credential file.
std::optional<GitCredentialFile> parse_git_credential_file(const std::string& text);

// The attributes git sends on the helper's stdin (`protocol=https`, `host=example.com:8443`…).
struct GitCredentialRequest {
    std::string protocol;
    std::string host;  // with the port when the URL had one
    std::string path;
};
GitCredentialRequest read_git_credential_request(std::istream& in);

struct GitCredentialAnswer {
    std::string username;
    std::string password;
};
std::optional<GitCredentialAnswer> choose_git_credential(const GitCredentialFile& file,
                                                         const GitCredentialRequest& request);

// The helper for one operation: reads the request from `in`, answers on `out`. `file_path`
// may be null (variable unset). Returns the exit code (0 unless the operation is unknown).
int run_git_credential_helper(const std::string& operation, std::istream& in, std::ostream& out, const char* file_path);

// main() for `ambient-runner git-credential <operation>`: argv[1] is "git-credential",
// argv[2] the operation; stdin/stdout and the environment as git gives them.
int git_credential_main(int argc, char** argv);

}  // namespace ambient::runner
