#include "api/repository.hpp"

#include "api/model/render.hpp"
#include "api/notify/notifier.hpp"
#include "api/search/search.hpp"
#include "common/ksuid.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

using model::KindSchema;
using model::Row;

// Serialises event commits on PostgreSQL so that event ids become visible in id order:
// a watcher reading "events after N" can then never skip one committed late.
constexpr std::int64_t kEventOrderLockKey = 0x616d6265766e74;  // "ambevnt"

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

// The project an event belongs to, so that project-scoped watches can filter deletes too
// (their events carry no object): from the object, else from the (soft-deleted) row.
store::SqlValue event_project(store::Connection& conn, const KindSchema& schema, std::string_view id,
                              const Row* object) {
    if (schema.field("project_id") == nullptr) return {};
    if (object != nullptr) {
        const auto& project = model::text_of(*object, "project_id");
        return project.empty() ? store::SqlValue{} : store::SqlValue{project};
    }
    const auto rs = conn.exec("SELECT project_id FROM " + schema.table + " WHERE id = ?", {std::string(id)});
    return rs.rows.empty() ? store::SqlValue{} : rs.rows[0][0];
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
    if (conn.dialect() == store::Dialect::Postgres) {
        conn.exec("SELECT pg_advisory_xact_lock(?)", {kEventOrderLockKey});
    }
    store::SqlValue object_json;
    if (object != nullptr) object_json = model::render(schema, *object).dump();
    conn.exec(
        "INSERT INTO events (source, source_id, event_type, object, created_at, project_id) VALUES (?, ?, ?, ?, ?, ?)",
        {schema.source, std::string(id), std::string(event_type_name(type)), object_json, now_rfc3339(),
         event_project(conn, schema, id, object)});
    Notifier::notify_in_transaction(conn, Channel::Events);
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
    sql += ") VALUES (" + placeholders + ")";
    conn.exec(sql, params);

    auto stored = find(conn, schema, model::text_of(values, model::kIdColumn));
    if (!stored) throw store::StoreError("inserted row not found");
    record_event(conn, schema, model::text_of(*stored, model::kIdColumn), EventType::Created, &*stored);
    return *stored;
}

std::optional<Row> find(store::Connection& conn, const KindSchema& schema, std::string_view id) {
    const auto rs =
        conn.exec("SELECT " + select_columns(schema) + " FROM " + schema.table + " WHERE id = ? AND deleted_at IS NULL",
                  {std::string(id)});
    if (rs.rows.empty()) return std::nullopt;
    return to_row(rs, 0);
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
    const auto rs = conn.exec("SELECT " + select_columns(schema) + " FROM " + schema.table + where + " ORDER BY " +
                                  order + " LIMIT ? OFFSET ?",
                              params);
    result.rows.reserve(rs.rows.size());
    for (std::size_t i = 0; i < rs.rows.size(); ++i)
        result.rows.push_back(to_row(rs, i));
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
    sql += " WHERE id = ? AND deleted_at IS NULL";
    params.emplace_back(std::string(id));
    if (conn.exec(sql, params).affected_rows == 0) return std::nullopt;
    auto row = find(conn, schema, id);
    if (row) record_event(conn, schema, id, EventType::Updated, &*row);
    return row;
}

bool remove(store::Connection& conn, const KindSchema& schema, std::string_view id) {
    const auto rs = conn.exec("UPDATE " + schema.table + " SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                              {now_rfc3339(), std::string(id)});
    if (rs.affected_rows == 0) return false;
    record_event(conn, schema, id, EventType::Deleted, nullptr);
    return true;
}

}  // namespace repo
}  // namespace ambient::api
