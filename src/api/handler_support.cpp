#include "api/handler_support.hpp"

#include <charconv>

#include "api/event_retention.hpp"
#include "api/model/body.hpp"
#include "api/notify/notifier.hpp"
#include "api/search/search.hpp"
#include "api/storage_errors.hpp"
#include "spdlog/spdlog.h"

namespace ambient::api {
namespace {

std::int64_t integer_param(const http::Request& req, std::string_view name, std::int64_t fallback) {
    auto raw = req.query_param(name);
    if (!raw || raw->empty()) return fallback;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
    if (ec != std::errc{} || end != raw->data() + raw->size()) {
        throw ApiError::bad_request(std::string(name) + " must be an integer");
    }
    return value;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

model::Row parse_with(model::Row (*parse)(const model::KindSchema&, std::string_view), const model::KindSchema& schema,
                      const http::Request& req) {
    try {
        return parse(schema, req.body);
    } catch (const model::BodyError& e) {
        if (e.kind() == model::BodyError::Kind::Invalid) throw ApiError::validation(e.what());
        throw ApiError::malformed(e.what());
    }
}

}  // namespace

http::Response json_response(int status, const Json& body) {
    return http::Response::json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

http::Response no_content() {
    http::Response r;
    r.status = 204;
    return r;
}

model::Row create_body(const model::KindSchema& schema, const http::Request& req) {
    return parse_with(&model::parse_create, schema, req);
}

model::Row patch_body(const model::KindSchema& schema, const http::Request& req) {
    return parse_with(&model::parse_patch, schema, req);
}

ListParams list_params(const model::KindSchema& schema, const http::Request& req) {
    ListParams params;
    params.query.page = std::max<std::int64_t>(1, integer_param(req, "page", 1));
    // The offset is (page - 1) * size: bounded so that it cannot overflow.
    if (params.query.page > kMaxPage) throw ApiError::bad_request("page must be at most " + std::to_string(kMaxPage));
    const auto size = integer_param(req, "size", 100);
    params.query.size = size < 0 || size > kMaxPageSize ? kMaxPageSize : size;
    if (auto s = req.query_param("search")) params.query.search = std::string(*s);
    if (auto s = req.query_param("orderBy")) params.query.order_by = std::string(*s);
    if (auto s = req.query_param("fields")) {
        std::string unknown;
        std::string_view rest = *s;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto name = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (name.empty()) continue;
            if (!model::is_renderable_field(schema, name)) {
                if (!unknown.empty()) unknown += ", ";
                unknown += std::string(name.substr(0, 64));
                continue;
            }
            params.fields.emplace_back(name);
        }
        if (!unknown.empty()) {
            throw ApiError::bad_request("The following field(s) doesn't exist in `" + schema.kind + "`: " + unknown);
        }
    }
    return params;
}

Json render_list(const model::KindSchema& schema, const ListResult& result, const ListParams& params) {
    Json items = Json::array();
    for (const auto& row : result.rows) {
        auto object = model::render(schema, row);
        items.push_back(params.fields.empty() ? std::move(object) : model::project_fields(object, params.fields));
    }
    Json out = Json::object();
    out["kind"] = schema.kind + "List";
    out["page"] = params.query.page;
    out["size"] = items.size();
    out["total"] = result.total;
    out["items"] = std::move(items);
    return out;
}

std::optional<std::string> requested_project(const http::Request& req) {
    auto value = req.query_param("project_id");
    if (!value || value->empty()) value = req.header("X-Ambient-Project");
    if (!value || value->empty()) return std::nullopt;
    for (char c : *value) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) throw ApiError::bad_request("invalid project_id: only letters, digits, '_' and '-' are allowed");
    }
    if (value->size() > 63) throw ApiError::bad_request("invalid project_id: longer than 63 characters");
    return std::string(*value);
}

bool project_exists(store::Connection& conn, const std::string& project_id) {
    return !conn.exec("SELECT 1 FROM projects WHERE id = ? AND deleted_at IS NULL", {project_id}).rows.empty();
}

ApiError not_found(std::string_view kind, std::string_view id) {
    return ApiError::not_found(std::string(kind) + " with id='" + std::string(id.substr(0, 128)) + "' not found");
}

ApiError not_found(const model::KindSchema& schema, std::string_view id) {
    return not_found(schema.kind, id);
}

void rethrow_as_api_error(const model::KindSchema& schema) {
    try {
        throw;
    } catch (const search::SearchError& e) {
        throw ApiError(400, ErrorCode::BadRequest, std::string("Failed to parse search query: ") + e.what());
    } catch (const store::UniqueViolation& e) {
        throw ApiError(409, ErrorCode::Conflict, "This " + schema.kind + " already exists", e.what());
    } catch (const store::ForeignKeyViolation& e) {
        throw ApiError(400, ErrorCode::Validation, "A referenced object does not exist", e.what());
    } catch (const store::StorageFull& e) {
        throw storage_full(e);
    } catch (const store::StorageReadOnly& e) {
        throw storage_read_only(e);
    } catch (const store::Unavailable& e) {
        throw ApiError::database_unavailable(e.what());
    } catch (const store::StoreError& e) {
        throw ApiError::internal(e.what());
    }
}

void after_write_commit(ApiContext& ctx) noexcept {
    ctx.notifier.publish(Channel::Events);
    if (ctx.event_retention != nullptr) ctx.event_retention->after_write();
}

}  // namespace ambient::api
