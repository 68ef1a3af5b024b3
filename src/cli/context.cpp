#include "cli/context.hpp"

#include <cstdlib>

#include "cli/errors.hpp"
#include "cli/oidc.hpp"
#include "cli/watch.hpp"

namespace ambient::cli {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

std::string checked_api_url(const std::string& url) {
    std::string u = url;
    while (!u.empty() && u.back() == '/')
        u.pop_back();
    const auto scheme_end = u.find("://");
    const auto scheme = scheme_end == std::string::npos ? std::string() : u.substr(0, scheme_end);
    const auto host = scheme_end == std::string::npos ? std::string() : u.substr(scheme_end + 3);
    if ((scheme != "http" && scheme != "https") || host.empty() || host.front() == ':' || host.front() == '/' ||
        host.find_first_of(" \t\r\n") != std::string::npos) {
        throw usage_error("invalid API URL \"" + url +
                          "\": must include scheme and host (e.g. https://api.example.com)");
    }
    return u;
}

const std::filesystem::path& Context::config_path() {
    if (!path_) path_ = cli::config_path();
    return *path_;
}

Config& Context::config() {
    if (!config_) config_ = load_config(config_path());
    return *config_;
}

void Context::save_config() {
    cli::save_config(config_path(), config());
}

std::string Context::api_url() {
    if (!globals.api_url.empty()) return checked_api_url(globals.api_url);
    if (auto v = env("AMBIENT_API_URL"); !v.empty()) return checked_api_url(v);
    if (!config().api_url.empty()) return checked_api_url(config().api_url);
    return kDefaultApiUrl;
}

std::string Context::token() {
    if (auto v = env("AMBIENT_TOKEN"); !v.empty()) return v;
    auto& c = config();
    if (c.access_token.empty()) throw CliError("not logged in; run 'acpctl login' first", kExitForbidden);
    if (renew_expired_token(c)) save_config();
    return c.access_token;
}

std::string Context::project() {
    if (auto v = env("AMBIENT_PROJECT"); !v.empty()) return v;
    return config().project;
}

std::string Context::require_project(const std::string& flag, const std::string& flag_name) {
    if (!flag.empty()) return flag;
    auto p = project();
    if (p.empty())
        throw usage_error("no project set; use " + flag_name +
                          " or run 'acpctl project <name>' (or set AMBIENT_PROJECT)");
    return p;
}

std::chrono::seconds Context::request_timeout() {
    if (auto v = env("AMBIENT_REQUEST_TIMEOUT"); !v.empty()) {
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (end == v.c_str() || *end != '\0' || n <= 0)
            throw usage_error("AMBIENT_REQUEST_TIMEOUT must be a positive number of seconds, not \"" + v + "\"");
        return std::chrono::seconds(n);
    }
    if (config().request_timeout > 0) return std::chrono::seconds(config().request_timeout);
    return std::chrono::seconds(30);
}

std::chrono::milliseconds Context::stream_idle_timeout(std::chrono::milliseconds fallback) const {
    if (globals.stream_idle_timeout.empty()) return fallback;
    return parse_duration(globals.stream_idle_timeout, "--stream-idle-timeout");
}

bool Context::insecure() {
    return globals.insecure_skip_tls_verify || config().insecure_tls_verify;
}

const Api& Context::api() {
    if (!api_) {
        api_ = std::make_unique<Api>(ApiOptions{.api_url = api_url(),
                                                .token = token(),
                                                .project = project(),
                                                .request_timeout = request_timeout(),
                                                .insecure_skip_verify = insecure()});
    }
    return *api_;
}

Api Context::api_for_project(const std::string& project) {
    return Api(ApiOptions{.api_url = api_url(),
                          .token = token(),
                          .project = project,
                          .request_timeout = request_timeout(),
                          .insecure_skip_verify = insecure()});
}

}  // namespace ambient::cli
