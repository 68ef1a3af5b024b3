// compile_order_by(): the `orderBy` query parameter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/search/search.hpp"

namespace ambient::search {
namespace {

using store::Column;
using store::ColumnType;

const std::vector<Column> kColumns = {
    {"name", ColumnType::Text},
    {"created_at", ColumnType::Timestamp},
    {"priority", ColumnType::Integer},
};

std::string error_of(const std::string& order_by) {
    try {
        compile_order_by(order_by, kColumns, "t");
    } catch (const SearchError& e) {
        return e.what();
    }
    return "";
}

struct OrderCase {
    std::string input;
    std::string sql;
};

TEST(OrderBy, CompilesFieldsAndDirections) {
    const std::vector<OrderCase> cases = {
        {"name", "t.name ASC"},
        {"name, created_at desc", "t.name ASC, t.created_at DESC"},
        {"name asc", "t.name ASC"},
        {"name DESC", "t.name DESC"},
        {"name dEsC,priority AsC", "t.name DESC, t.priority ASC"},
        {"  name\tdesc ,  created_at  ", "t.name DESC, t.created_at ASC"},
        {"name, name desc", "t.name ASC, t.name DESC"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(compile_order_by(c.input, kColumns, "t"), c.sql) << c.input;
    }
}

TEST(OrderBy, WithoutAliasColumnsAreUnqualified) {
    EXPECT_EQ(compile_order_by("priority desc", kColumns), "priority DESC");
}

TEST(OrderBy, BlankInputYieldsEmptyString) {
    for (const char* blank : {"", " ", "\t \n"}) {
        EXPECT_EQ(compile_order_by(blank, kColumns, "t"), "") << '"' << blank << '"';
    }
}

TEST(OrderBy, RefusesBadInput) {
    const std::vector<OrderCase> cases = {
        {"foo", "unknown field 'foo'"},
        {"Name", "unknown field 'Name'"},
        {"name sideways", "bad order value 'sideways'"},
        {"name descending", "bad order value 'descending'"},
        {"name desc nulls", "bad order value 'desc nulls'"},
        {"a,,b", "unknown field 'a'"},
        {"name,,created_at", "empty item in order by"},
        {"name,", "empty item in order by"},
        {",name", "empty item in order by"},
        {"name, ", "empty item in order by"},
        {"name; DROP TABLE projects", "unknown field 'name;'"},
        {"name ;DROP", "bad order value ';DROP'"},
        {"name;", "unknown field 'name;'"},
        {"t.name", "unknown field 't.name'"},
        {"(select 1)", "unknown field '(select'"},
        {"name desc--", "bad order value 'desc--'"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(error_of(c.input), c.sql) << c.input;
    }
}

TEST(OrderBy, ErrorMessagesQuoteOnlyAShortExcerpt) {
    const std::string message = error_of("name " + std::string(500, 'z'));
    EXPECT_EQ(message, "bad order value '" + std::string(32, 'z') + "...'");
}

TEST(OrderBy, InputLongerThan4096CharactersIsRefused) {
    std::string input = "name";
    while (input.size() <= 4096)
        input += ",name";
    EXPECT_EQ(error_of(input), "order by longer than 4096 characters");
}

}  // namespace
}  // namespace ambient::search
