#pragma once
// A resource kind described as data: its wire name, table, href path and fields. The
// generic create/read/update/delete code, the search allow-list, the OpenAPI document and
// the body validation all read this one description.
#include <string>
#include <vector>

#include "api/store/value.hpp"

namespace ambient::model {

enum class FieldType { String, Integer, Number, Boolean, Timestamp };

struct Field {
    std::string name;
    FieldType type = FieldType::String;
    bool required = false;     // must be present in a create body
    bool patchable = true;     // applied from a patch body
    bool settable = true;      // accepted from a create body (false: accepted but ignored)
    bool write_only = false;   // never rendered (secrets)
    bool always_emit = false;  // rendered even when null (as the type's zero value)
    std::string description;   // for the OpenAPI document
};

struct KindSchema {
    std::string kind;           // "Project"
    std::string table;          // "projects"
    std::string path;           // "projects" → href "/api/ambient/v1/projects/<id>"
    std::string source;         // events.source, upstream's plural kind name: "Projects"
    std::vector<Field> fields;  // besides id, created_at, updated_at

    const Field* field(std::string_view name) const;
    // Columns a client may search and order by: id, created_at, updated_at and every
    // readable field.
    std::vector<store::Column> searchable_columns() const;
    std::string href(std::string_view id) const;
};

// The columns every kind table has.
inline constexpr const char* kIdColumn = "id";
inline constexpr const char* kCreatedAtColumn = "created_at";
inline constexpr const char* kUpdatedAtColumn = "updated_at";
inline constexpr const char* kApiBasePath = "/api/ambient/v1";

store::ColumnType column_type(FieldType type);

}  // namespace ambient::model
