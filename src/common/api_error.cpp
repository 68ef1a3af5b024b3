#include "common/api_error.hpp"

#include <nlohmann/json.hpp>

namespace ambient {

std::string render_error_body(ErrorCode code, std::string_view reason, std::string_view operation_id) {
    const auto n = std::to_string(static_cast<int>(code));
    nlohmann::ordered_json body = {
        {"kind", "Error"},
        {"id", n},
        {"href", "/api/ambient/v1/errors/" + n},
        {"code", "ambient-api-server-" + n},
        {"reason", reason},
        {"operation_id", operation_id},
    };
    // Replace invalid UTF-8 rather than throw: a reason may quote client input.
    return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace ambient
