#include "runner/git_credential_helper.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ambient::runner {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// "example.com:8443" → "example.com", "[::1]:80" → "::1".
std::string host_without_port(const std::string& host) {
    if (host.starts_with('[')) {
        const auto end = host.find(']');
        return end == std::string::npos ? host : host.substr(1, end - 1);
    }
    if (std::count(host.begin(), host.end(), ':') == 1) return host.substr(0, host.find(':'));
    return host;  // no port, or a bare IPv6 address
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool has_label(const std::string& host, const std::string& label) {
    if (label.empty()) return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        auto end = host.find('.', start);
        if (end == std::string::npos) end = host.size();
        if (host.compare(start, end - start, label) == 0) return true;
        start = end + 1;
    }
    return false;
}

const GitCredential* with_provider(const std::vector<const GitCredential*>& usable, const std::string& provider) {
    for (const auto* c : usable)
        if (lower(c->provider) == provider) return c;
    return nullptr;
}

std::string username_for(const std::string& provider) {
    return lower(provider) == "gitlab" ? "oauth2" : "x-access-token";
}

}  // namespace

std::string serialize_git_credential_file(const GitCredentialFile& file) {
    nlohmann::json j;
    j["credentials"] = nlohmann::json::array();
    for (const auto& c : file.credentials)
        j["credentials"].push_back({{"provider", c.provider}, {"credential_id", c.credential_id}, {"token", c.token}});
    j["host_providers"] = nlohmann::json::array();
    for (const auto& [host, provider] : file.host_providers)
        j["host_providers"].push_back({{"host", host}, {"provider", provider}});
    return j.dump();
}

std::optional<GitCredentialFile> parse_git_credential_file(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    GitCredentialFile file;
    try {
        for (const auto& c : j.value("credentials", nlohmann::json::array()))
            file.credentials.push_back(
                {c.at("provider").get<std::string>(), c.value("credential_id", ""), c.at("token").get<std::string>()});
        for (const auto& h : j.value("host_providers", nlohmann::json::array()))
            file.host_providers.emplace_back(h.at("host").get<std::string>(), h.at("provider").get<std::string>());
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    return file;
}

GitCredentialRequest read_git_credential_request(std::istream& in) {
    GitCredentialRequest request;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) break;  // the end of the attributes
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const auto key = line.substr(0, eq);
        auto value = line.substr(eq + 1);
        if (key == "protocol") request.protocol = lower(std::move(value));
        if (key == "host") request.host = std::move(value);
        if (key == "path") request.path = std::move(value);
    }
    return request;
}

std::optional<GitCredentialAnswer> choose_git_credential(const GitCredentialFile& file,
                                                         const GitCredentialRequest& request) {
    const auto host = lower(host_without_port(request.host));
    if (host.empty()) return std::nullopt;
    const bool loopback = is_loopback(host);
    if (request.protocol != "https" && !(request.protocol == "http" && loopback)) return std::nullopt;

    std::vector<const GitCredential*> usable;
    for (const auto& c : file.credentials)
        if (!c.token.empty() && !c.provider.empty() && c.token.find_first_of("\r\n", 0, 3) == std::string::npos)
            usable.push_back(&c);  // a line break (or NUL) in a token would forge attributes
    auto answer = [](const GitCredential* c) -> std::optional<GitCredentialAnswer> {
        if (c == nullptr) return std::nullopt;
        return GitCredentialAnswer{username_for(c->provider), c->token};
    };

    for (const auto& [rule_host, provider] : file.host_providers)
        if (lower(rule_host) == host) return answer(with_provider(usable, lower(provider)));
    if (host.find("github") != std::string::npos) return answer(with_provider(usable, "github"));
    if (host.find("gitlab") != std::string::npos) return answer(with_provider(usable, "gitlab"));
    if (loopback) {
        if (const auto* github = with_provider(usable, "github")) return answer(github);
        return usable.size() == 1 ? answer(usable.front()) : std::nullopt;
    }
    const GitCredential* match = nullptr;
    for (const auto* c : usable) {
        if (!has_label(host, lower(c->provider))) continue;
        if (match != nullptr) return std::nullopt;  // ambiguous: offer nothing
        match = c;
    }
    return answer(match);
}

int run_git_credential_helper(const std::string& operation, std::istream& in, std::ostream& out,
                              const char* file_path) {
    const auto request = read_git_credential_request(in);
    if (operation == "store" || operation == "erase") return 0;
    if (operation != "get") return 1;
    if (file_path == nullptr || *file_path == '\0') return 0;
    std::ifstream f(file_path, std::ios::binary);
    if (!f) return 0;  // the turn is over: no credentials
    std::stringstream text;
    text << f.rdbuf();
    const auto file = parse_git_credential_file(text.str());
    if (!file) return 0;
    const auto chosen = choose_git_credential(*file, request);
    if (!chosen) return 0;
    out << "username=" << chosen->username << "\npassword=" << chosen->password << "\n";
    out.flush();
    return 0;
}

int git_credential_main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: ambient-runner git-credential get|store|erase\n";
        return 2;
    }
    return run_git_credential_helper(argv[2], std::cin, std::cout, std::getenv(kGitCredentialsFileVariable));
}

}  // namespace ambient::runner
