#pragma once
// Create, read, list, update and soft-delete of any kind described by a KindSchema, each
// change recorded in the `events` table inside the caller's transaction. The SQL is built
// from the schema's column names only; every value is a bound parameter.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/model/kind.hpp"
#include "api/model/row.hpp"
#include "api/store/database.hpp"

namespace ambient::api {

struct ListQuery {
    std::int64_t page = 1;     // 1..kMaxPage
    std::int64_t size = 100;   // rows per page, 0..kMaxPageSize
    std::string search;        // the client's filter expression
    std::string order_by;      // the client's orderBy
    store::SqlFragment scope;  // a filter the server adds (e.g. project), ANDed with search
};

struct ListResult {
    std::vector<model::Row> rows;
    std::int64_t total = 0;
};

inline constexpr std::int64_t kMaxPageSize = 65500;
// (kMaxPage - 1) * kMaxPageSize fits an int64 offset with room to spare.
inline constexpr std::int64_t kMaxPage = 1'000'000'000;

enum class EventType { Created, Updated, Deleted };
// Upstream's events.event_type values: "Create", "Update", "Delete".
const char* event_type_name(EventType type);

namespace repo {

// Inserts `values` with a new KSUID id (unless `values` holds an id) and fresh timestamps.
// Returns the row as stored. Throws store::UniqueViolation and friends.
model::Row insert(store::Connection& conn, const model::KindSchema& schema, model::Row values);

std::optional<model::Row> find(store::Connection& conn, const model::KindSchema& schema, std::string_view id);
// find() in two halves, for a read sent without waiting (store::Connection::send): the
// statement, whose one parameter is the id, and the row from its result.
const std::string& find_sql(const model::KindSchema& schema);
std::optional<model::Row> found_row(store::ResultSet& rs);

// Throws search::SearchError for a bad search or orderBy.
ListResult list(store::Connection& conn, const model::KindSchema& schema, const ListQuery& query);

// Applies `changes` to a live row; nullopt when there is none.
std::optional<model::Row> update(store::Connection& conn, const model::KindSchema& schema, std::string_view id,
                                 const model::Row& changes);

// Soft-deletes a live row; false when there is none.
bool remove(store::Connection& conn, const model::KindSchema& schema, std::string_view id);

// Appends an events row (the object as of the change, absent for deletes). Call it after the
// transaction has written the object's row: on PostgreSQL the transaction must own its xid
// before it takes an event id (the proof in streams/event_frontier.hpp relies on it).
void record_event(store::Connection& conn, const model::KindSchema& schema, std::string_view id, EventType type,
                  const model::Row* object);

}  // namespace repo
}  // namespace ambient::api
