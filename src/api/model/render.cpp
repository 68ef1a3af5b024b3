#include "api/model/render.hpp"

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

}  // namespace

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
