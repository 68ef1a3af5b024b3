#pragma once
// What every command shares: the global flags, the configuration (loaded once, saved on
// demand), the effective values (flag > environment > file > default) and the API client.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/api.hpp"
#include "cli/config.hpp"

namespace ambient::cli {

inline constexpr const char* kDefaultApiUrl = "http://localhost:8000";

struct GlobalOptions {
    std::string api_url;  // --api-url
    bool insecure_skip_tls_verify = false;
    std::string stream_idle_timeout;  // --stream-idle-timeout, a duration; "" for each stream's default
};

class Context {
public:
    GlobalOptions globals;

    const std::filesystem::path& config_path();
    Config& config();
    void save_config();

    // --api-url, else AMBIENT_API_URL, else the file, else http://localhost:8000; checked to
    // be http(s)://host[:port] (a usage error otherwise). No trailing slash.
    std::string api_url();
    // AMBIENT_TOKEN, else the file's access_token — renewed first with the stored refresh
    // token when it is an expired JWT. Throws "not logged in; run 'acpctl login' first".
    std::string token();
    // AMBIENT_PROJECT, else the file's project; "" when none.
    std::string project();
    // `flag` when not empty, else project(); a usage error naming `flag_name` when both are.
    std::string require_project(const std::string& flag, const std::string& flag_name = "--project-id");
    std::chrono::seconds request_timeout();
    // --stream-idle-timeout when given (a usage error when not a duration), else `fallback`:
    // how long a followed stream may stay silent before it is dropped and resumed.
    std::chrono::milliseconds stream_idle_timeout(std::chrono::milliseconds fallback) const;
    bool insecure();

    // The client for the effective URL, token and project (built once).
    const Api& api();
    // A client with another project header (apply, --project-id); not cached.
    Api api_for_project(const std::string& project);

private:
    std::optional<std::filesystem::path> path_;
    std::optional<Config> config_;
    std::unique_ptr<Api> api_;
};

// Validates an API URL: scheme http or https and a host; returns it without trailing '/'.
std::string checked_api_url(const std::string& url);

}  // namespace ambient::cli
