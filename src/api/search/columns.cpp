#include "api/search/columns.hpp"

#include "api/search/text.hpp"

namespace ambient::search {

const store::Column& find_column(const std::vector<store::Column>& allowed, std::string_view name) {
    for (const auto& column : allowed) {
        if (column.name == name) return column;
    }
    fail("unknown field '" + excerpt(name) + "'");
}

std::string qualified_name(std::string_view alias, const store::Column& column) {
    if (alias.empty()) return column.name;
    std::string out;
    out.reserve(alias.size() + 1 + column.name.size());
    out.append(alias).append(".").append(column.name);
    return out;
}

}  // namespace ambient::search
