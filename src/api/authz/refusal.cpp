#include "api/authz/refusal.hpp"

#include <spdlog/spdlog.h>

#include "common/api_error.hpp"

namespace ambient::api::authz {

void forbid(std::string_view why) {
    spdlog::debug("refused: {}", why);
    throw ApiError::forbidden(std::string(kForbidden));
}

}  // namespace ambient::api::authz
