#include "api/model/render.hpp"

#include <charconv>

namespace ambient::model {
namespace {

Json to_json(const store::SqlValue& v) {
    return std::visit(
        [](const auto& x) -> Json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return nullptr;
            else
                return x;
        },
        v);
}

Json zero_value(FieldType type) {
    switch (type) {
        case FieldType::String:
        case FieldType::Timestamp:
            return "";
        case FieldType::Integer:
            return 0;
        case FieldType::Number:
            return 0.0;
        case FieldType::Boolean:
            return false;
    }
    return nullptr;
}

// What an API response does with a DOM value (handler_support's json_response).
std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Printable ASCII without a quote or backslash is written as it is by the library too; the
// rest (escapes, UTF-8 and its validation) is left to the library, so the bytes never differ.
void append_string(std::string& out, std::string_view text) {
    for (const unsigned char c : text) {
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
            out += dump(Json(std::string(text)));
            return;
        }
    }
    out += '"';
    out += text;
    out += '"';
}

void append_value(std::string& out, const store::SqlValue& value) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        append_string(out, *text);
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        char digits[24];
        const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *integer);
        out.append(digits, end);
    } else if (const auto* flag = std::get_if<bool>(&value)) {
        out += *flag ? "true" : "false";
    } else {
        // Doubles keep the library's own formatting; NULL is "null".
        out += dump(to_json(value));
    }
}

void append_member(std::string& out, std::string_view name, bool first) {
    if (!first) out += ',';
    append_string(out, name);
    out += ':';
}

// A field named like one of the leading members would replace that member in place in the
// tree; the writer below does not reproduce that, so such a schema takes the tree.
// A field named twice likewise.
bool shadows_a_member(const KindSchema& schema) {
    for (auto field = schema.fields.begin(); field != schema.fields.end(); ++field) {
        const std::string_view name = field->name;
        if (name == kIdColumn || name == "kind" || name == "href" || name == kCreatedAtColumn ||
            name == kUpdatedAtColumn) {
            return true;
        }
        for (auto earlier = schema.fields.begin(); earlier != field; ++earlier) {
            if (earlier->name == name) return true;
        }
    }
    return false;
}

}  // namespace

std::string render_text(const KindSchema& schema, const Row& row) {
    if (shadows_a_member(schema)) return dump(render(schema, row));
    const std::string& id = text_of(row, kIdColumn);
    std::string out;
    out.reserve(256);
    out += '{';
    append_member(out, "id", true);
    append_string(out, id);
    append_member(out, "kind", false);
    append_string(out, schema.kind);
    append_member(out, "href", false);
    append_string(out, schema.href(id));
    append_member(out, kCreatedAtColumn, false);
    append_string(out, text_of(row, kCreatedAtColumn));
    append_member(out, kUpdatedAtColumn, false);
    append_string(out, text_of(row, kUpdatedAtColumn));
    for (const auto& field : schema.fields) {
        if (field.write_only) continue;
        auto it = row.find(field.name);
        if (it == row.end() || store::is_null(it->second)) {
            if (!field.always_emit) continue;
            append_member(out, field.name, false);
            out += dump(zero_value(field.type));
            continue;
        }
        append_member(out, field.name, false);
        append_value(out, it->second);
    }
    out += '}';
    return out;
}

Json render(const KindSchema& schema, const Row& row) {
    Json out = Json::object();
    const std::string& id = text_of(row, kIdColumn);
    out["id"] = id;
    out["kind"] = schema.kind;
    out["href"] = schema.href(id);
    out["created_at"] = text_of(row, kCreatedAtColumn);
    out["updated_at"] = text_of(row, kUpdatedAtColumn);
    for (const auto& field : schema.fields) {
        if (field.write_only) continue;
        auto it = row.find(field.name);
        if (it == row.end() || store::is_null(it->second)) {
            if (field.always_emit) out[field.name] = zero_value(field.type);
            continue;
        }
        out[field.name] = to_json(it->second);
    }
    return out;
}

bool is_renderable_field(const KindSchema& schema, std::string_view name) {
    if (name == "id" || name == "kind" || name == "href" || name == kCreatedAtColumn || name == kUpdatedAtColumn) {
        return true;
    }
    const Field* f = schema.field(name);
    return f != nullptr && !f->write_only;
}

Json project_fields(const Json& object, const std::vector<std::string>& fields) {
    Json out = Json::object();
    out["id"] = object.at("id");
    for (const auto& name : fields) {
        auto it = object.find(name);
        if (it != object.end()) out[name] = *it;
    }
    return out;
}

}  // namespace ambient::model
