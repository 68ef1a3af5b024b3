#pragma once
// Runs the fake Kubernetes API server (tests/support/fake-kube-apiserver/server.mjs, Node) for
// the kubernetes runtime's tests: a TEST DOUBLE, not Kubernetes. Spawned with `node`, its port
// read from its `listening HOST:PORT` line (with a deadline), stopped when this object goes
// (its stdin closes, then SIGTERM, then SIGKILL). Its /__fake/ endpoints drive Pod states and
// faults.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ambient::testing {

class FakeKubeApiServer {
public:
    // Why the fake cannot run here (no `node` on PATH, its node_modules not installed), or
    // nullopt when it can: a test skips with that reason.
    static std::optional<std::string> unavailable(const std::filesystem::path& server_dir);

    // With `tls_cert` and `tls_key` (PEM files) it serves https.
    FakeKubeApiServer(const std::filesystem::path& server_dir, std::vector<std::string> tokens,
                      const std::filesystem::path& tls_cert = {}, const std::filesystem::path& tls_key = {});
    ~FakeKubeApiServer();
    FakeKubeApiServer(const FakeKubeApiServer&) = delete;
    FakeKubeApiServer& operator=(const FakeKubeApiServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_); }

    // A test-control call (no authentication; plain http only): e.g. control("POST", "/__fake/compact").
    nlohmann::json control(const std::string& method, const std::string& path,
                           const nlohmann::json& body = nullptr) const;
    // GET /__fake/objects?kind=…&namespace=…: the stored objects of a kind.
    nlohmann::json objects(const std::string& kind, const std::string& ns = {}) const;
    // Merges `status` into a Pod's status (POST /__fake/pods/{ns}/{name}/status).
    void set_pod_status(const std::string& ns, const std::string& name, const nlohmann::json& status) const;

private:
    void shutdown();

    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    std::uint16_t port_ = 0;
    bool tls_ = false;
};

}  // namespace ambient::testing
