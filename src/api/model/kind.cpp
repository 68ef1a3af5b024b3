#include "api/model/kind.hpp"

namespace ambient::model {

const Field* KindSchema::field(std::string_view name) const {
    for (const auto& f : fields) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

std::vector<store::Column> KindSchema::searchable_columns() const {
    std::vector<store::Column> columns = {
        {kIdColumn, store::ColumnType::Text},
        {kCreatedAtColumn, store::ColumnType::Timestamp},
        {kUpdatedAtColumn, store::ColumnType::Timestamp},
    };
    for (const auto& f : fields) {
        if (!f.write_only) columns.push_back({f.name, column_type(f.type)});
    }
    return columns;
}

std::string KindSchema::href(std::string_view id) const {
    std::string out = kApiBasePath;
    out += '/';
    out += path;
    out += '/';
    out += id;
    return out;
}

store::ColumnType column_type(FieldType type) {
    switch (type) {
        case FieldType::String:
            return store::ColumnType::Text;
        case FieldType::Integer:
            return store::ColumnType::Integer;
        case FieldType::Number:
            return store::ColumnType::Real;
        case FieldType::Boolean:
            return store::ColumnType::Bool;
        case FieldType::Timestamp:
            return store::ColumnType::Timestamp;
    }
    return store::ColumnType::Text;
}

}  // namespace ambient::model
