#pragma once
// The platform's version, shared by every binary (the API server's metadata and /version,
// `acpctl version`), and the commit it was built from when the build knew it.
#include <string>

namespace ambient {

inline constexpr const char* kPlatformVersion = "0.1.0";

// The git commit of the checkout the build was configured from; "unknown" outside a checkout.
const std::string& build_commit();

}  // namespace ambient
