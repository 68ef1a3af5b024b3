#include "api/repository.hpp"

#include <algorithm>
#include <unordered_map>

#include "api/model/render.hpp"
#include "api/search/search.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

using model::KindSchema;
using model::Row;

// Rows a list reads by id in one statement: well under SQLite's and PostgreSQL's limits on
// bound parameters, so a page of any allowed size is read in a few statements.
constexpr std::size_t kRowsById = 1000;

std::string select_columns(const KindSchema& schema) {
    std::string cols = "id, created_at, updated_at";
    for (const auto& f : schema.fields) {
        cols += ", ";
        cols += f.name;
    }
    return cols;
}

Row to_row(const store::ResultSet& rs, std::size_t index) {
    Row row;
    const auto& cells = rs.rows[index];
    for (std::size_t i = 0; i < rs.columns.size(); ++i)
        row.emplace(rs.columns[i], cells[i]);
    return row;
}

// The same, taking the cells rather than copying them (a row's text can be long).
Row take_row(store::ResultSet& rs, std::size_t index) {
    Row row;
    auto& cells = rs.rows[index];
    for (std::size_t i = 0; i < rs.columns.size(); ++i)
        row.emplace(rs.columns[i], std::move(cells[i]));
    return row;
}

// The attributes that decide who sees an event (authz::EventRoute), recorded with it so
// that watch streams filter in memory: from the object, else (a delete) from the
// soft-deleted row.
struct RouteColumns {
    store::SqlValue project, agent, session, credential, user;
};

store::SqlValue present(const std::string& text) {
    return text.empty() ? store::SqlValue{} : store::SqlValue{text};
}

RouteColumns event_route(store::Connection& conn, const KindSchema& schema, std::string_view id, const Row* object) {
    Row stored;
    if (object == nullptr) {
        std::string columns;
        for (const char* c : {"project_id", "agent_id", "session_id", "credential_id", "user_id", "username"}) {
            if (schema.field(c) == nullptr) continue;
            columns += columns.empty() ? "" : ", ";
            columns += c;
        }
        if (!columns.empty()) {
            const auto rs =
                conn.exec("SELECT " + columns + " FROM " + schema.table + " WHERE id = ?", {std::string(id)});
            if (!rs.rows.empty()) stored = to_row(rs, 0);
        }
        object = &stored;
    }
    const auto text = [object](const char* column) { return model::text_of(*object, column); };
    RouteColumns route;
    route.project = present(schema.table == "projects" ? std::string(id) : text("project_id"));
    route.agent = present(text("agent_id"));
    route.session = present(text("session_id"));
    route.credential = present(text("credential_id"));
    route.user = present(schema.field("username") != nullptr ? text("username") : text("user_id"));
    // A session-scoped binding lives in its session's project.
    if (std::holds_alternative<std::monostate>(route.project) && !text("session_id").empty()) {
        const auto rs = conn.exec("SELECT project_id FROM sessions WHERE id = ?", {text("session_id")});
        if (!rs.rows.empty()) route.project = rs.rows[0][0];
    }
    return route;
}

}  // namespace

const char* event_type_name(EventType type) {
    switch (type) {
        case EventType::Created:
            return "Create";
        case EventType::Updated:
            return "Update";
        case EventType::Deleted:
            return "Delete";
    }
    return "Update";
}

namespace repo {

void record_event(store::Connection& conn, const KindSchema& schema, std::string_view id, EventType type,
                  const Row* object) {
    // No lock and no NOTIFY here: on PostgreSQL, event ids may commit out of id order, and
    // readers deliver only up to the settled frontier (streams/event_frontier.hpp); other
    // processes are woken after the commit (Notifier::publish), so that concurrent writers
    // never queue behind one database-wide lock while they commit.
    store::SqlValue object_json;
    if (object != nullptr) object_json = model::render(schema, *object).dump();
    auto route = event_route(conn, schema, id, object);
    conn.exec(
        "INSERT INTO events (source, source_id, event_type, object, created_at, project_id, agent_id, session_id, "
        "credential_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {schema.source, std::string(id), std::string(event_type_name(type)), object_json, now_rfc3339(),
         std::move(route.project), std::move(route.agent), std::move(route.session), std::move(route.credential),
         std::move(route.user)});
}

Row insert(store::Connection& conn, const KindSchema& schema, Row values) {
    if (model::text_of(values, model::kIdColumn).empty()) values[model::kIdColumn] = new_ksuid();
    const auto now = now_rfc3339();
    values[model::kCreatedAtColumn] = now;
    values[model::kUpdatedAtColumn] = now;

    std::string sql = "INSERT INTO " + schema.table + " (";
    std::string placeholders;
    std::vector<store::SqlValue> params;
    for (const auto& [column, value] : values) {
        if (!params.empty()) {
            sql += ", ";
            placeholders += ", ";
        }
        sql += column;
        placeholders += '?';
        params.push_back(value);
    }
    sql += ") VALUES (" + placeholders + ") RETURNING " + select_columns(schema);
    auto rs = conn.exec(sql, params);
    if (rs.rows.empty()) throw store::StoreError("INSERT returned no row");
    auto stored = take_row(rs, 0);
    record_event(conn, schema, model::text_of(stored, model::kIdColumn), EventType::Created, &stored);
    return stored;
}

// The statement that reads one live row by id. Schemas live as long as the process, so it
// is put together once per schema and thread rather than on every GET.
const std::string& find_sql(const KindSchema& schema) {
    thread_local std::unordered_map<const KindSchema*, std::string> statements;
    auto& sql = statements[&schema];
    if (sql.empty()) {
        sql = "SELECT " + select_columns(schema) + " FROM " + schema.table + " WHERE id = ? AND deleted_at IS NULL";
    }
    return sql;
}

std::optional<Row> find(store::Connection& conn, const KindSchema& schema, std::string_view id) {
    auto rs = conn.exec(find_sql(schema), {std::string(id)});
    return found_row(rs);
}

std::optional<Row> found_row(store::ResultSet& rs) {
    if (rs.rows.empty()) return std::nullopt;
    return take_row(rs, 0);
}

ListResult list(store::Connection& conn, const KindSchema& schema, const ListQuery& query) {
    const auto columns = schema.searchable_columns();
    auto filter = search::compile(query.search, columns);

    std::string where = " WHERE deleted_at IS NULL";
    std::vector<store::SqlValue> params;
    if (!query.scope.sql.empty()) {
        where += " AND (" + query.scope.sql + ")";
        params = query.scope.params;
    }
    if (!filter.sql.empty()) {
        where += " AND (" + filter.sql + ")";
        params.insert(params.end(), filter.params.begin(), filter.params.end());
    }
    std::string order = search::compile_order_by(query.order_by, columns);
    // A stable default order makes paging deterministic.
    order = order.empty() ? "created_at ASC, id ASC" : order + ", id ASC";

    ListResult result;
    const auto count = conn.exec("SELECT COUNT(*) FROM " + schema.table + where, params);
    result.total = std::get<std::int64_t>(count.rows.at(0).at(0));
    if (query.size == 0) return result;

    const std::int64_t offset = (query.page - 1) * query.size;
    if (offset >= result.total) return result;
    params.emplace_back(query.size);
    params.emplace_back(offset);
    // The page's ids first, then their rows: the sort and the rows OFFSET skips then carry
    // ids and order columns (from an index when one covers the filter), not whole rows — a
    // user who sees 5,000 sessions sorts 5,000 index entries for a page of 100. The order
    // ends in the unique id, so each batch of rows comes back in the page's order. On
    // PostgreSQL each statement reads its own snapshot: a row deleted in between is left
    // out, as a list a moment later would.
    const auto ids =
        conn.exec("SELECT id FROM " + schema.table + where + " ORDER BY " + order + " LIMIT ? OFFSET ?", params);
    result.rows.reserve(ids.rows.size());
    for (std::size_t first = 0; first < ids.rows.size(); first += kRowsById) {
        const auto last = std::min(ids.rows.size(), first + kRowsById);
        std::string in;
        std::vector<store::SqlValue> batch;
        for (auto i = first; i < last; ++i) {
            in += i == first ? "?" : ", ?";
            batch.push_back(ids.rows[i][0]);
        }
        const auto rs = conn.exec("SELECT " + select_columns(schema) + " FROM " + schema.table + " WHERE id IN (" + in +
                                      ") AND deleted_at IS NULL ORDER BY " + order,
                                  batch);
        for (std::size_t i = 0; i < rs.rows.size(); ++i)
            result.rows.push_back(to_row(rs, i));
    }
    return result;
}

std::optional<Row> update(store::Connection& conn, const KindSchema& schema, std::string_view id, const Row& changes) {
    std::string sql = "UPDATE " + schema.table + " SET updated_at = ?";
    std::vector<store::SqlValue> params = {now_rfc3339()};
    for (const auto& [column, value] : changes) {
        if (column == model::kIdColumn || column == model::kCreatedAtColumn || column == model::kUpdatedAtColumn) {
            continue;
        }
        sql += ", " + column + " = ?";
        params.push_back(value);
    }
    sql += " WHERE id = ? AND deleted_at IS NULL RETURNING " + select_columns(schema);
    params.emplace_back(std::string(id));
    const auto rs = conn.exec(sql, params);
    if (rs.rows.empty()) return std::nullopt;
    auto row = to_row(rs, 0);
    record_event(conn, schema, id, EventType::Updated, &row);
    return row;
}

bool remove(store::Connection& conn, const KindSchema& schema, std::string_view id) {
    const auto rs = conn.exec("UPDATE " + schema.table + " SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                              {now_rfc3339(), std::string(id)});
    if (rs.affected_rows == 0) return false;
    record_event(conn, schema, id, EventType::Deleted, nullptr);
    // What the object held leaves the history with it: a watch that replays from an older
    // id gets the delete, never the deleted object's fields (a project name reused by
    // someone else must not replay its predecessor's prompts and bindings).
    conn.exec("UPDATE events SET object = NULL WHERE source_id = ? AND source = ? AND event_type <> ?",
              {std::string(id), schema.source, std::string(event_type_name(EventType::Deleted))});
    return true;
}

}  // namespace repo
}  // namespace ambient::api
