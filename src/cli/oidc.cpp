#include "cli/oidc.hpp"

namespace ambient::cli {

bool renew_expired_token(Config&) {
    return false;
}

}  // namespace ambient::cli
