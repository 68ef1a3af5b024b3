// Feeds arbitrary bytes to the search and orderBy compilers. Anything other than a
// SearchError escaping, a sanitizer report, or SQL that could carry client text fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/search/search.hpp"

namespace {

using ambient::store::Column;
using ambient::store::ColumnType;

const std::vector<Column> kColumns = {
    {"name", ColumnType::Text},  {"project_id", ColumnType::Text}, {"priority", ColumnType::Integer},
    {"score", ColumnType::Real}, {"archived", ColumnType::Bool},   {"created_at", ColumnType::Timestamp},
};

// The only quoted text compile() may emit is its own LIKE escape clause; any other quote,
// or a statement separator, would mean client text reached the SQL.
void check_sql_shape(std::string sql) {
    constexpr std::string_view kLikeEscape = " ESCAPE '\\'";
    for (auto at = sql.find(kLikeEscape); at != std::string::npos; at = sql.find(kLikeEscape)) {
        sql.erase(at, kLikeEscape.size());
    }
    if (sql.find_first_of("'\";-") != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        const auto fragment = ambient::search::compile(input, kColumns, "t");
        std::size_t placeholders = 0;
        for (char c : fragment.sql)
            placeholders += c == '?';
        if (placeholders != fragment.params.size()) std::abort();
        check_sql_shape(fragment.sql);
    } catch (const ambient::search::SearchError&) {
    }
    try {
        const auto order = ambient::search::compile_order_by(input, kColumns, "t");
        if (order.find_first_of("'\";-?()") != std::string::npos) std::abort();
    } catch (const ambient::search::SearchError&) {
    }
    return 0;
}
