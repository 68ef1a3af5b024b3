#pragma once
// The control plane's own identity towards the API server: a service token, given once
// (AMBIENT_API_TOKEN) or read from a file on every use (--api-token-file), so that a rotated
// file takes effect without a restart.
#include <filesystem>
#include <string>

#include "controlplane/config.hpp"

namespace ambient::controlplane {

class ServiceToken {
public:
    explicit ServiceToken(const ControlPlaneConfig& config) : token_(config.api_token), file_(config.api_token_file) {}
    // The token, surrounding whitespace removed. Throws std::runtime_error when the file
    // cannot be read or holds nothing.
    std::string get() const;

private:
    std::string token_;
    std::filesystem::path file_;
};

}  // namespace ambient::controlplane
