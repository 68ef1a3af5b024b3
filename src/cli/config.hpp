#pragma once
// acpctl's configuration file, upstream's format: a JSON object at $AMBIENT_CONFIG, else
// $XDG_CONFIG_HOME/ambient/config.json, else ~/.config/ambient/config.json. The file is
// written 0600 in a 0700 folder (it holds the token); keys we do not know are kept.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace ambient::cli {

struct Config {
    std::string api_url;
    std::string access_token;
    std::string refresh_token;  // OIDC logins: renews access_token when it has expired
    std::string issuer_url;
    std::string client_id;
    std::string project;
    std::string pager;        // stored, unused (as upstream)
    int request_timeout = 0;  // seconds; 0: the default
    int polling_interval = 0;
    bool insecure_tls_verify = false;
    nlohmann::json other = nlohmann::json::object();  // keys of newer or older versions, kept
};

// Where the configuration lives, from the environment.
std::filesystem::path config_path();

// A missing file is an empty configuration; a file that is not a JSON object is an error
// (CliError naming the path).
Config load_config(const std::filesystem::path& path);

// Writes atomically (a temporary file renamed over the old one), mode 0600, its folder 0700.
void save_config(const std::filesystem::path& path, const Config& config);

}  // namespace ambient::cli
