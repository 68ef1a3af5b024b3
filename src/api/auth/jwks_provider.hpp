#pragma once
// Where user tokens' verification keys come from: a JWKS file read at startup, or a JWKS
// URL fetched at startup and again — at most once per refetch interval — when a token names
// a key id the cached set doesn't hold (the provider rotated its keys).
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/jwt/jwks.hpp"

namespace ambient::api {

class JwksProvider {
public:
    using Fetch = std::function<std::string(const std::string& url)>;
    using Now = std::function<std::chrono::steady_clock::time_point()>;

    // Throws std::runtime_error when the file can't be read or isn't a key set.
    static std::unique_ptr<JwksProvider> from_file(const std::filesystem::path& path);
    // Fetches now (throws when that fails). `fetch` defaults to an HTTP GET with libcurl.
    static std::unique_ptr<JwksProvider> from_url(const std::string& url, Fetch fetch = {}, Now now = {},
                                                  std::chrono::seconds refetch_interval = std::chrono::seconds(30));

    // The current key set; never null.
    std::shared_ptr<const jwt::Jwks> keys() const;
    // Called when a token names an unknown key: refetches unless one happened within the
    // refetch interval. Returns true when a new key set was loaded.
    bool refresh();
    std::size_t fetch_count() const { return fetches_; }

private:
    JwksProvider() = default;

    std::string url_;
    Fetch fetch_;
    Now now_;
    std::chrono::seconds interval_{30};
    mutable std::mutex mutex_;
    std::shared_ptr<const jwt::Jwks> keys_;
    std::chrono::steady_clock::time_point last_fetch_{};
    std::size_t fetches_ = 0;
};

// GET `url` with libcurl (http or https, 10 s timeout); throws std::runtime_error unless 200.
std::string http_get(const std::string& url);

}  // namespace ambient::api
