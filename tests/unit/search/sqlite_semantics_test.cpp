// Runs compiled fragments against a real in-memory SQLite table: the SQL must be valid
// and select exactly the rows the expression describes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "api/search/search.hpp"

namespace ambient::search {
namespace {

using store::Column;
using store::ColumnType;

const std::vector<Column> kColumns = {
    {"name", ColumnType::Text},  {"note", ColumnType::Text},     {"priority", ColumnType::Integer},
    {"score", ColumnType::Real}, {"archived", ColumnType::Bool}, {"created_at", ColumnType::Timestamp},
};

//  id | name    | note  | priority | score | archived | created_at
constexpr const char* kSchema = R"sql(
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, note TEXT, priority INTEGER,
                        score REAL, archived INTEGER, created_at TEXT);
    INSERT INTO items VALUES
        (1, 'alpha',   'x',    1, 0.5, 0, '2026-01-01T00:00:00.000000Z'),
        (2, 'beta',    NULL,   2, 1.5, 1, '2026-02-01T00:00:00.000000Z'),
        (3, 'a_c',     'it''s', 3, 2.5, 0, '2026-03-01T00:00:00.000000Z'),
        (4, 'abc',     NULL,   4, 3.5, 1, '2026-04-01T00:00:00.000000Z'),
        (5, 'a%c',     'y',    5, 4.5, 0, '2026-05-01T00:00:00.000000Z'),
        (6, 'O''Brien', 'z',   6, 5.5, 0, '2026-06-01T00:00:00.000000Z');
)sql";

class SqliteSemantics : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
        char* error = nullptr;
        ASSERT_EQ(sqlite3_exec(db_, kSchema, nullptr, nullptr, &error), SQLITE_OK) << error;
    }

    void TearDown() override { sqlite3_close(db_); }

    // Ids of the rows matching `search`, optionally behind a caller's own condition.
    std::vector<int> matching(const std::string& search, const std::string& prefix = "") {
        const auto fragment = compile(search, kColumns, "t");
        const std::string sql = "SELECT t.id FROM items t WHERE " + prefix + fragment.sql + " ORDER BY t.id";
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
            return {};
        }
        for (std::size_t i = 0; i < fragment.params.size(); ++i) {
            bind(statement, static_cast<int>(i + 1), fragment.params[i]);
        }
        std::vector<int> ids;
        int step = SQLITE_OK;
        while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
            ids.push_back(sqlite3_column_int(statement, 0));
        }
        EXPECT_EQ(step, SQLITE_DONE) << sqlite3_errmsg(db_);
        sqlite3_finalize(statement);
        return ids;
    }

    static void bind(sqlite3_stmt* statement, int index, const store::SqlValue& value) {
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            sqlite3_bind_int64(statement, index, *i);
        } else if (const auto* d = std::get_if<double>(&value)) {
            sqlite3_bind_double(statement, index, *d);
        } else if (const auto* b = std::get_if<bool>(&value)) {
            sqlite3_bind_int(statement, index, *b ? 1 : 0);
        } else if (const auto* s = std::get_if<std::string>(&value)) {
            sqlite3_bind_text(statement, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(statement, index);
        }
    }

    sqlite3* db_ = nullptr;
};

using Ids = std::vector<int>;

TEST_F(SqliteSemantics, Equality) {
    EXPECT_EQ(matching("name = 'beta'"), (Ids{2}));
    EXPECT_EQ(matching("name != 'beta' and priority <> 1"), (Ids{3, 4, 5, 6}));
    EXPECT_EQ(matching("name = 'O''Brien'"), (Ids{6}));
}

TEST_F(SqliteSemantics, Ordering) {
    EXPECT_EQ(matching("priority < 3"), (Ids{1, 2}));
    EXPECT_EQ(matching("priority <= 3"), (Ids{1, 2, 3}));
    EXPECT_EQ(matching("priority > 4"), (Ids{5, 6}));
    EXPECT_EQ(matching("priority >= '4'"), (Ids{4, 5, 6}));
    EXPECT_EQ(matching("score > 1.5 and score < 4.5"), (Ids{3, 4}));
    // Timestamps bind as written, so on SQLite they compare as text: only the store's own
    // format (microseconds, Z) orders correctly against stored values.
    EXPECT_EQ(matching("created_at >= '2026-05-01T00:00:00.000000Z'"), (Ids{5, 6}));
}

TEST_F(SqliteSemantics, LikeWildcards) {
    EXPECT_EQ(matching("name like 'a%'"), (Ids{1, 3, 4, 5}));
    EXPECT_EQ(matching("name like 'a_c'"), (Ids{3, 4, 5}));
    EXPECT_EQ(matching("name ~= '%eta'"), (Ids{2}));
    EXPECT_EQ(matching("name not like '%c'"), (Ids{1, 2, 6}));
    EXPECT_EQ(matching("name ~! 'a%'"), (Ids{2, 6}));
}

TEST_F(SqliteSemantics, LikeBackslashEscapesWildcards) {
    EXPECT_EQ(matching("name like 'a\\_c'"), (Ids{3}));
    EXPECT_EQ(matching("name like 'a\\%c'"), (Ids{5}));
    EXPECT_EQ(matching("name like '%''%'"), (Ids{6}));
}

TEST_F(SqliteSemantics, InLists) {
    EXPECT_EQ(matching("priority in (1, 3, 99)"), (Ids{1, 3}));
    EXPECT_EQ(matching("priority not in (1, 3)"), (Ids{2, 4, 5, 6}));
    EXPECT_EQ(matching("name in ('abc', 'O''Brien', 'nope')"), (Ids{4, 6}));
}

TEST_F(SqliteSemantics, Between) {
    EXPECT_EQ(matching("priority between 2 and 4"), (Ids{2, 3, 4}));
    EXPECT_EQ(matching("priority not between 2 and 4"), (Ids{1, 5, 6}));
    EXPECT_EQ(matching("score between 1 and 2.5"), (Ids{2, 3}));
    EXPECT_EQ(matching("created_at between '2026-02-01' and '2026-03-02'"), (Ids{2, 3}));
}

TEST_F(SqliteSemantics, NullChecks) {
    EXPECT_EQ(matching("note is null"), (Ids{2, 4}));
    EXPECT_EQ(matching("note is not null"), (Ids{1, 3, 5, 6}));
}

TEST_F(SqliteSemantics, Booleans) {
    EXPECT_EQ(matching("archived = true"), (Ids{2, 4}));
    EXPECT_EQ(matching("archived = 'false'"), (Ids{1, 3, 5, 6}));
}

TEST_F(SqliteSemantics, AndBindsTighterThanOr) {
    // Read as (archived or priority = 1) and name = 'zzz' this would match nothing.
    EXPECT_EQ(matching("archived = true or priority = 1 and name = 'zzz'"), (Ids{2, 4}));
    EXPECT_EQ(matching("(archived = true or priority = 1) and name = 'zzz'"), (Ids{}));
}

TEST_F(SqliteSemantics, NotNegatesItsOperand) {
    EXPECT_EQ(matching("not (name like 'a%' or archived = true)"), (Ids{6}));
    EXPECT_EQ(matching("not name like 'a%' and not archived = true"), (Ids{6}));
}

TEST_F(SqliteSemantics, FragmentKeepsItsMeaningNextToACallersCondition) {
    // Unparenthesised, "archived = 0 AND p = 1 OR p = 2" would also return row 2.
    EXPECT_EQ(matching("priority = 1 or priority = 2", "t.archived = 0 AND "), (Ids{1}));
}

TEST_F(SqliteSemantics, InjectionAttemptsInsideStringsAreJustData) {
    EXPECT_EQ(matching("name = 'x'' OR ''1''=''1'"), (Ids{}));
    EXPECT_EQ(matching("name = 'alpha''; DROP TABLE items; --'"), (Ids{}));
    EXPECT_EQ(matching("name = 'alpha'"), (Ids{1}));  // the table is still there
}

}  // namespace
}  // namespace ambient::search
