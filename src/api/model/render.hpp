#pragma once
// Rows rendered as upstream's JSON objects: id, kind, href, created_at, updated_at, then
// the kind's fields; null fields omitted, write-only fields never present.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/model/kind.hpp"
#include "api/model/row.hpp"

namespace ambient::model {

using Json = nlohmann::ordered_json;

Json render(const KindSchema& schema, const Row& row);

// render(schema, row) as the text an API response carries (dump without indent, UTF-8 kept,
// invalid UTF-8 replaced), written straight from the row: a GET answers without building
// the document as a tree first. The same bytes as rendering the tree.
std::string render_text(const KindSchema& schema, const Row& row);

// The JSON names a client may ask for in `fields`.
bool is_renderable_field(const KindSchema& schema, std::string_view name);

// Keeps only `fields` (and always id) of a rendered object.
Json project_fields(const Json& object, const std::vector<std::string>& fields);

}  // namespace ambient::model
