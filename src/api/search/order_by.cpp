// compile_order_by(): the `orderBy` list, "<field> [asc|desc]" items separated by commas.
#include <string>
#include <string_view>
#include <vector>

#include "api/search/columns.hpp"
#include "api/search/limits.hpp"
#include "api/search/search.hpp"
#include "api/search/text.hpp"

namespace ambient::search {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string compile_item(std::string_view item, const std::vector<store::Column>& allowed, std::string_view alias) {
    item = trim(item);
    if (item.empty()) fail("empty item in order by");
    std::size_t field_end = 0;
    while (field_end < item.size() && !is_space(item[field_end]))
        ++field_end;
    const store::Column& column = find_column(allowed, item.substr(0, field_end));
    // Whatever follows the field must be exactly one direction word.
    const std::string_view direction = trim(item.substr(field_end));
    std::string_view sql_direction = "ASC";
    if (iequals(direction, "desc")) {
        sql_direction = "DESC";
    } else if (!direction.empty() && !iequals(direction, "asc")) {
        fail("bad order value '" + excerpt(direction) + "'");
    }
    return qualified_name(alias, column) + " " + std::string(sql_direction);
}

}  // namespace

std::string compile_order_by(std::string_view order_by, const std::vector<store::Column>& allowed,
                             std::string_view table_alias) {
    if (order_by.size() > kMaxExpressionLength) {
        fail("order by longer than " + std::to_string(kMaxExpressionLength) + " characters");
    }
    if (is_blank(order_by)) return {};
    std::string out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = order_by.find(',', start);
        const auto item =
            order_by.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!out.empty()) out += ", ";
        out += compile_item(item, allowed, table_alias);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace ambient::search
