#include "runner/credentials.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <cctype>

namespace ambient::runner {

std::vector<FetchedCredential> fetch_credentials(const ApiClient& api,
                                                 const std::vector<std::pair<std::string, std::string>>& ids) {
    std::vector<FetchedCredential> out;
    for (const auto& [provider, id] : ids) {
        client::HttpResponse r;
        try {
            r = api.credential_token(id);
        } catch (const client::TransportError& e) {
            throw CredentialFetchError(provider, 0,
                                       "cannot fetch the " + provider + " credential " + id + ": " + e.what());
        }
        if (r.status != 200) {
            throw CredentialFetchError(provider, r.status,
                                       "cannot fetch the " + provider + " credential " + id + ": HTTP " +
                                           std::to_string(r.status) + " " + error_reason(r));
        }
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("token") || !j["token"].is_string()) {
            throw CredentialFetchError(
                provider, r.status, "cannot fetch the " + provider + " credential " + id + ": no token in the answer");
        }
        out.push_back({provider, id, j["token"].get<std::string>()});
        spdlog::info("Successfully fetched {} credentials", provider);
    }
    return out;
}

Environment credential_environment(const std::vector<FetchedCredential>& credentials) {
    Environment env;
    for (const auto& c : credentials) {
        if (c.provider == "github") {
            env.emplace_back("GITHUB_TOKEN", c.token);
            env.emplace_back("GH_TOKEN", c.token);
        } else if (c.provider == "gitlab") {
            env.emplace_back("GITLAB_TOKEN", c.token);
        } else if (c.provider == "anthropic") {
            env.emplace_back("ANTHROPIC_API_KEY", c.token);
        }
        std::string name = "AMBIENT_CREDENTIAL_";
        for (unsigned char ch : c.provider)
            name.push_back(std::isalnum(ch) ? static_cast<char>(std::toupper(ch)) : '_');
        env.emplace_back(name, c.token);
    }
    return env;
}

std::string credentials_fingerprint(const std::vector<FetchedCredential>& credentials) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    for (const auto& c : credentials) {
        for (const auto* part : {&c.provider, &c.credential_id, &c.token}) {
            const auto size = std::to_string(part->size()) + ":";
            EVP_DigestUpdate(ctx, size.data(), size.size());
            EVP_DigestUpdate(ctx, part->data(), part->size());
        }
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx, digest, &length);
    EVP_MD_CTX_free(ctx);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

}  // namespace ambient::runner
