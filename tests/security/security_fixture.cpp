#include "security/security_fixture.hpp"

#include <dirent.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace ambient::testing {

using nlohmann::json;

std::string api_path(const std::string& rest) {
    return "/api/ambient/v1" + rest;
}

std::size_t resident_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            std::size_t kib = 0;
            fields >> kib;
            return kib;
        }
    }
    return 0;
}

std::size_t open_descriptors(pid_t pid) {
    const auto path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return 0;
    std::size_t count = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count;
}

void SecurityTest::SetUp() {
    jwks_path_ = dir_.path() / "jwks.json";
    std::ofstream(jwks_path_) << json{{"keys", {jwt::public_jwk(key_.get(), jwt::Algorithm::ES256, "sec")}}}.dump();
    start_server();
}

void SecurityTest::TearDown() {
    // A failure may be the server's: show the end of its log.
    if (HasFailure() && server_) {
        const auto log = server_->process().log();
        std::cerr << "---- server log (tail) ----\n" << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
    }
}

void SecurityTest::start_server(std::vector<std::string> extra_args, std::vector<std::string> env) {
    admin_.reset();
    server_.reset();
    std::vector<std::string> args = {"--jwk-cert-file", jwks_path_.string(), "--oidc-issuer",
                                     kSecurityIssuer,   "--oidc-audience",   kSecurityAudience};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    server_ = std::make_unique<ApiServer>(GetParam(), std::move(args), std::move(env));
    admin_.emplace(server_->client());
}

std::string SecurityTest::user_token(const std::string& user, std::chrono::seconds lifetime) const {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const json claims = {{"preferred_username", user},   {"sub", "sub-" + user},     {"name", user},
                         {"iss", kSecurityIssuer},       {"aud", kSecurityAudience}, {"iat", now},
                         {"exp", now + lifetime.count()}};
    return jwt::sign(claims, key_.get(), jwt::Algorithm::ES256, "sec");
}

HttpClient SecurityTest::as(const std::string& user) const {
    auto c = server_->client(false);
    c.set_bearer(user_token(user));
    return c;
}

void SecurityTest::user_creates_project(const std::string& user, const std::string& name) {
    auto r = as(user).post(api_path("/projects"), json{{"name", name}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
}

json SecurityTest::made(const std::string& path, const json& body) {
    auto r = admin().post(api_path(path), body.dump());
    EXPECT_EQ(r.status, 201) << "POST " << path << " " << body.dump() << ": " << r.body;
    return r.status == 201 ? r.json() : json::object();
}

}  // namespace ambient::testing
