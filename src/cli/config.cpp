#include "cli/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/errors.hpp"

namespace ambient::cli {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

std::string text(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int integer(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

constexpr const char* kKnownKeys[] = {
    "api_url", "access_token", "refresh_token",   "issuer_url",       "client_id",
    "project", "pager",        "request_timeout", "polling_interval", "insecure_tls_verify"};

}  // namespace

std::filesystem::path config_path() {
    if (auto explicit_path = env("AMBIENT_CONFIG"); !explicit_path.empty()) return explicit_path;
    if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty()) return std::filesystem::path(xdg) / "ambient" / "config.json";
    return std::filesystem::path(env("HOME")) / ".config" / "ambient" / "config.json";
}

Config load_config(const std::filesystem::path& path) {
    Config config;
    std::ifstream in(path);
    if (!in) return config;
    std::stringstream buffer;
    buffer << in.rdbuf();
    const auto j = nlohmann::json::parse(buffer.str(), nullptr, false);
    if (!j.is_object()) throw CliError("parse config file \"" + path.string() + "\": not a JSON object");
    config.api_url = text(j, "api_url");
    config.access_token = text(j, "access_token");
    config.refresh_token = text(j, "refresh_token");
    config.issuer_url = text(j, "issuer_url");
    config.client_id = text(j, "client_id");
    config.project = text(j, "project");
    config.pager = text(j, "pager");
    config.request_timeout = integer(j, "request_timeout");
    config.polling_interval = integer(j, "polling_interval");
    if (const auto it = j.find("insecure_tls_verify"); it != j.end() && it->is_boolean())
        config.insecure_tls_verify = it->get<bool>();
    for (const auto& [key, value] : j.items()) {
        if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys))
            config.other[key] = value;
    }
    return config;
}

void save_config(const std::filesystem::path& path, const Config& config) {
    // nlohmann's ordered_json keeps upstream's key order in the file.
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    auto put = [&j](const char* key, const std::string& value) {
        if (!value.empty()) j[key] = value;
    };
    put("api_url", config.api_url);
    put("access_token", config.access_token);
    put("refresh_token", config.refresh_token);
    put("issuer_url", config.issuer_url);
    put("client_id", config.client_id);
    put("project", config.project);
    put("pager", config.pager);
    if (config.request_timeout > 0) j["request_timeout"] = config.request_timeout;
    if (config.polling_interval > 0) j["polling_interval"] = config.polling_interval;
    if (config.insecure_tls_verify) j["insecure_tls_verify"] = true;
    for (const auto& [key, value] : config.other.items())
        j[key] = value;
    const std::string content = j.dump(2);

    const auto dir = path.parent_path();
    if (!dir.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(dir, ec)) {
            std::filesystem::create_directories(dir, ec);
            if (ec) throw CliError("create config folder \"" + dir.string() + "\": " + ec.message());
            ::chmod(dir.c_str(), 0700);
        }
    }
    const auto tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw CliError("write config file \"" + path.string() + "\": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // an older temporary file may have had another mode
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string reason = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            throw CliError("write config file \"" + path.string() + "\": " + reason);
        }
        done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw CliError("write config file \"" + path.string() + "\": " + reason);
    }
}

}  // namespace ambient::cli
