#include "api/request_shape.hpp"

#include <array>
#include <utility>

#include "api/handler_support.hpp"
#include "common/api_error.hpp"
#include "common/http/field_text.hpp"
#include "common/ksuid.hpp"

namespace ambient::api {
namespace {

// The kind a path parameter names, by the collection segment before it (for the 404's
// wording, which must read as it does for an id that does not exist).
std::string_view kind_of_collection(std::string_view collection) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kKinds = {{
        {"projects", "Project"},
        {"project_settings", "ProjectSettings"},
        {"users", "User"},
        {"roles", "Role"},
        {"role_bindings", "RoleBinding"},
        {"credentials", "Credential"},
        {"sessions", "Session"},
        {"agents", "Agent"},
        {"inbox", "InboxMessage"},
        {"audit_events", "AuditEvent"},
    }};
    for (const auto& [name, kind] : kKinds) {
        if (name == collection) return kind;
    }
    return "Object";
}

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool is_valid_project_name(std::string_view name) {
    if (name.size() < 2 || name.size() > 63) return false;
    if (name.front() < 'a' || name.front() > 'z') return false;
    const char last = name.back();
    if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9'))) return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

bool is_json_media_type(std::string_view content_type) {
    const auto media = http::trim_whitespace(content_type.substr(0, content_type.find(';')));
    const auto slash = media.find('/');
    if (slash == std::string_view::npos) return false;
    const auto type = media.substr(0, slash);
    const auto subtype = media.substr(slash + 1);
    if (!http::iequals(type, "application") || subtype.empty()) return false;
    for (char c : subtype) {
        if (!is_token_char(c)) return false;
    }
    if (http::iequals(subtype, "json")) return true;
    // A structured-syntax suffix (RFC 6839): application/merge-patch+json is JSON too.
    return subtype.size() > 5 && http::iequals(subtype.substr(subtype.size() - 5), "+json");
}

void require_json_body(const http::Request& req) {
    if (req.body.empty()) return;
    if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH") return;
    const auto content_type = req.header("Content-Type");
    if (content_type && is_json_media_type(*content_type)) return;
    throw ApiError(415, ErrorCode::MalformedRequest, "Unsupported Media Type: request bodies must be application/json");
}

void require_well_formed_ids(const http::Request& req) {
    // The route pattern says which collection each {parameter} is an id in.
    std::string_view pattern = req.route;
    std::string_view previous;
    while (!pattern.empty()) {
        if (pattern.front() == '/') pattern.remove_prefix(1);
        const auto end = pattern.find('/');
        const auto segment = pattern.substr(0, end);
        pattern = end == std::string_view::npos ? std::string_view{} : pattern.substr(end);
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
            const auto& id = req.param(std::string(segment.substr(1, segment.size() - 2)));
            const bool ok = previous == "projects" ? is_valid_project_name(id) : is_ksuid(id);
            if (!ok) throw not_found(kind_of_collection(previous), id);
        }
        previous = segment;
    }
}

}  // namespace ambient::api
