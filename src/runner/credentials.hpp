#pragma once
// The credentials granted to the session: fetched before each turn with the runner token
// from {BACKEND_API_URL}/api/ambient/v1/credentials/{id}/token, one per CREDENTIAL_IDS
// entry, and given to the agent only through its environment (and the git credential
// helper's 0600 file) — never argv, never a URL.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runner/agents/agent.hpp"
#include "runner/api_client.hpp"

namespace ambient::runner {

struct FetchedCredential {
    std::string provider;
    std::string credential_id;
    std::string token;  // the secret
};

// A credential could not be fetched: what() names the provider and the HTTP status (or the
// transport failure), never the token.
class CredentialFetchError : public std::runtime_error {
public:
    CredentialFetchError(std::string provider, int status, const std::string& what)
        : std::runtime_error(what), provider_(std::move(provider)), status_(status) {}
    const std::string& provider() const { return provider_; }
    int status() const { return status_; }  // 0: no HTTP answer

private:
    std::string provider_;
    int status_;
};

// Fetches every (provider, id); logs "Successfully fetched <provider> credentials" for each.
// Throws CredentialFetchError at the first failure.
std::vector<FetchedCredential> fetch_credentials(const ApiClient& api,
                                                 const std::vector<std::pair<std::string, std::string>>& ids);

// The agent's variables: GITHUB_TOKEN and GH_TOKEN for github, GITLAB_TOKEN for gitlab,
// ANTHROPIC_API_KEY for anthropic, and AMBIENT_CREDENTIAL_<PROVIDER> for every provider.
Environment credential_environment(const std::vector<FetchedCredential>& credentials);

// A digest of the values (SHA-256, hex), to notice a change between turns without keeping
// a second copy of the secrets.
std::string credentials_fingerprint(const std::vector<FetchedCredential>& credentials);

}  // namespace ambient::runner
