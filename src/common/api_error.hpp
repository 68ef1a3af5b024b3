#pragma once
// The one error type that crosses handler boundaries. It carries what the client sees
// (status, upstream's numeric code, reason) and, apart, what only the log sees (detail).
#include <stdexcept>
#include <string>

namespace ambient {

// Upstream's error codes (rendered as "ambient-api-server-<n>").
enum class ErrorCode : int {
    Forbidden = 4,
    Conflict = 6,
    NotFound = 7,
    Validation = 8,
    General = 9,
    NotImplemented = 10,
    Unauthorized = 11,
    Unauthenticated = 15,
    MalformedRequest = 17,
    BadRequest = 21,
    SearchParse = 23,
};

class ApiError : public std::runtime_error {
public:
    ApiError(int status, ErrorCode code, std::string reason, std::string detail = {})
        : std::runtime_error(reason), status_(status), code_(code), detail_(std::move(detail)) {}

    int status() const { return status_; }
    ErrorCode code() const { return code_; }
    const char* reason() const { return what(); }
    const std::string& detail() const { return detail_; }

    static ApiError bad_request(std::string reason) { return {400, ErrorCode::BadRequest, std::move(reason)}; }
    static ApiError validation(std::string reason) { return {400, ErrorCode::Validation, std::move(reason)}; }
    static ApiError malformed(std::string reason) { return {400, ErrorCode::MalformedRequest, std::move(reason)}; }
    static ApiError unauthenticated(std::string reason) { return {401, ErrorCode::Unauthenticated, std::move(reason)}; }
    static ApiError forbidden(std::string reason) { return {403, ErrorCode::Forbidden, std::move(reason)}; }
    static ApiError not_found(std::string reason) { return {404, ErrorCode::NotFound, std::move(reason)}; }
    static ApiError conflict(std::string reason) { return {409, ErrorCode::Conflict, std::move(reason)}; }
    static ApiError internal(std::string detail) {
        return {500, ErrorCode::General, "Unspecified error", std::move(detail)};
    }
    static ApiError unavailable(std::string detail) {
        return {503, ErrorCode::General, "Service unavailable", std::move(detail)};
    }
    // The database did not answer (down, restarting, unreachable, or busy past its timeouts):
    // the client may retry.
    static ApiError database_unavailable(std::string detail) {
        return {503, ErrorCode::General, "Database unavailable", std::move(detail)};
    }

private:
    int status_;
    ErrorCode code_;
    std::string detail_;
};

// Upstream's error body: {kind:"Error",id,href,code:"ambient-api-server-<n>",reason,operation_id}.
std::string render_error_body(ErrorCode code, std::string_view reason, std::string_view operation_id);

}  // namespace ambient
