#include "api/auth/principal.hpp"

namespace ambient::api {

const Principal& principal_of(const http::Request& req) {
    static const Principal anonymous{};
    const auto* p = std::any_cast<Principal>(&req.identity);
    return p != nullptr ? *p : anonymous;
}

void set_principal(http::Request& req, Principal principal) {
    req.principal = principal.username;
    req.identity = std::move(principal);
}

Principal* mutable_principal(http::Request& req) {
    return std::any_cast<Principal>(&req.identity);
}

}  // namespace ambient::api
