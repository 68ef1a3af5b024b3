#include "api/model/body.hpp"

#include <nlohmann/json.hpp>

#include "api/search/timestamp.hpp"

#include <cmath>

namespace ambient::model {
namespace {

using nlohmann::json;

// Keys the client may send back from a GET (they are in upstream's models) but that the
// server computes.
bool is_server_key(std::string_view key) {
    return key == "kind" || key == "href" || key == "created_at" || key == "updated_at";
}

const char* type_name(FieldType t) {
    switch (t) {
        case FieldType::String:
            return "a string";
        case FieldType::Integer:
            return "an integer";
        case FieldType::Number:
            return "a number";
        case FieldType::Boolean:
            return "a boolean";
        case FieldType::Timestamp:
            return "an RFC 3339 timestamp string";
    }
    return "a value";
}

// Rejects documents nested deeper than kMaxJsonDepth before nlohmann recurses into them.
void check_depth(std::string_view body) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth)
                throw BodyError(BodyError::Kind::Malformed, "Invalid request format: nesting too deep");
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
}

json parse_object(std::string_view body) {
    check_depth(body);
    json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        throw BodyError(BodyError::Kind::Malformed, body.empty() ? "Invalid request format: empty body"
                                                                 : "Invalid request format: body is not valid JSON");
    }
    if (!doc.is_object())
        throw BodyError(BodyError::Kind::Malformed, "Invalid request format: body must be a JSON object");
    return doc;
}

store::SqlValue convert(const Field& field, const json& value) {
    switch (field.type) {
        case FieldType::String:
            if (value.is_string()) return value.get<std::string>();
            break;
        case FieldType::Timestamp:
            // Stored in one canonical form so that comparisons agree on both databases.
            if (value.is_string()) {
                if (auto canonical = search::normalize_timestamp(value.get<std::string>())) return *canonical;
            }
            break;
        case FieldType::Integer:
            if (value.is_number_integer()) {
                if (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) break;
                return value.get<std::int64_t>();
            }
            break;
        case FieldType::Number:
            if (value.is_number()) {
                const double d = value.get<double>();
                if (std::isfinite(d)) return d;
            }
            break;
        case FieldType::Boolean:
            if (value.is_boolean()) return value.get<bool>();
            break;
    }
    throw BodyError(BodyError::Kind::Malformed,
                    "Invalid request format: field '" + field.name + "' must be " + type_name(field.type));
}

}  // namespace

Row parse_create(const KindSchema& schema, std::string_view body) {
    const json doc = parse_object(body);
    Row row;
    for (const auto& [key, value] : doc.items()) {
        if (key == "id") {
            if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) continue;
            throw BodyError(BodyError::Kind::Invalid, "id must be empty");
        }
        if (is_server_key(key)) continue;
        const Field* field = schema.field(key);
        if (field == nullptr) {
            // nlohmann's keys are valid UTF-8 and the excerpt is short; safe to echo.
            const std::string shown = key.size() > 64 ? key.substr(0, 64) + "…" : key;
            throw BodyError(BodyError::Kind::Malformed,
                            "Invalid request format: json: unknown field \"" + shown + "\"");
        }
        if (value.is_null() || !field->settable) continue;
        row[field->name] = convert(*field, value);
    }
    for (const auto& field : schema.fields) {
        if (field.required && (!doc.contains(field.name) || doc[field.name].is_null())) {
            throw BodyError(BodyError::Kind::Invalid, field.name + " is required");
        }
    }
    return row;
}

Row parse_patch(const KindSchema& schema, std::string_view body) {
    const json doc = parse_object(body);
    Row row;
    for (const auto& [key, value] : doc.items()) {
        const Field* field = schema.field(key);
        if (field == nullptr || !field->patchable || value.is_null()) continue;
        row[field->name] = convert(*field, value);
    }
    return row;
}

const std::string& text_of(const Row& row, std::string_view column) {
    static const std::string empty;
    auto it = row.find(column);
    if (it == row.end()) return empty;
    if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
    return empty;
}

}  // namespace ambient::model
