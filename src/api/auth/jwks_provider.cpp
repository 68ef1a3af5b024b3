#include "api/auth/jwks_provider.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace ambient::api {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
    auto* body = static_cast<std::string*>(out);
    // A key set is small; refuse to buffer something that isn't one.
    if (body->size() + size * count > 1024 * 1024) return 0;
    body->append(data, size * count);
    return size * count;
}

}  // namespace

std::string http_get(const std::string& url) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("cannot fetch ") + url + ": " + curl_easy_strerror(rc));
    if (status != 200) throw std::runtime_error("cannot fetch " + url + ": HTTP " + std::to_string(status));
    return body;
}

std::unique_ptr<JwksProvider> JwksProvider::from_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read JWKS file " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    std::unique_ptr<JwksProvider> p(new JwksProvider());
    try {
        p->keys_ = std::make_shared<const jwt::Jwks>(jwt::Jwks::parse(text.str()));
    } catch (const jwt::JwtError& e) {
        throw std::runtime_error("JWKS file " + path.string() + ": " + e.what());
    }
    return p;
}

std::unique_ptr<JwksProvider> JwksProvider::from_url(const std::string& url, Fetch fetch, Now now,
                                                     std::chrono::seconds refetch_interval) {
    std::unique_ptr<JwksProvider> p(new JwksProvider());
    p->url_ = url;
    p->fetch_ = fetch ? std::move(fetch) : Fetch(&http_get);
    p->now_ = now ? std::move(now) : Now([] { return std::chrono::steady_clock::now(); });
    p->interval_ = refetch_interval;
    p->keys_ = std::make_shared<const jwt::Jwks>(jwt::Jwks::parse(p->fetch_(url)));
    // The startup fetch is not a refetch: the first unknown kid may refetch at once.
    p->last_fetch_ = p->now_() - refetch_interval;
    p->fetches_ = 1;
    return p;
}

std::shared_ptr<const jwt::Jwks> JwksProvider::keys() const {
    std::lock_guard lock(mutex_);
    return keys_;
}

bool JwksProvider::refresh() {
    if (url_.empty()) return false;
    std::lock_guard lock(mutex_);
    const auto now = now_();
    // An attacker can send tokens with random key ids: never let that hammer the provider.
    if (now - last_fetch_ < interval_) return false;
    last_fetch_ = now;
    ++fetches_;
    try {
        keys_ = std::make_shared<const jwt::Jwks>(jwt::Jwks::parse(fetch_(url_)));
        return true;
    } catch (const std::exception& e) {
        spdlog::warn("JWKS refetch from {} failed: {}", url_, e.what());
        return false;
    }
}

}  // namespace ambient::api
