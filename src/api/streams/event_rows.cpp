#include "api/streams/event_rows.hpp"

namespace ambient::api::streams {
namespace {

std::optional<std::int64_t> as_int(const store::SqlValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    return std::nullopt;
}

std::string text(const store::SqlValue& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    return {};
}

// " AND source = ? AND project_id = ?" for the parts of `query` that are set.
std::string filter_sql(const EventQuery& query, std::vector<store::SqlValue>& params) {
    std::string sql;
    if (!query.source.empty()) {
        sql += " AND source = ?";
        params.emplace_back(query.source);
    }
    if (!query.project.empty()) {
        sql += " AND project_id = ?";
        params.emplace_back(query.project);
    }
    return sql;
}

}  // namespace

EventRange read_events_after(store::Connection& conn, std::int64_t position, const EventQuery& query) {
    store::Transaction tx(conn, store::TxMode::Read);
    // First the bounds and the sizes, one statement so that on PostgreSQL they share a
    // snapshot; then the rows up to the last one that fits the byte budget.
    std::vector<store::SqlValue> params;
    std::string sql =
        "SELECT b.lo, b.hi, e.id, e.size FROM (SELECT MIN(id) AS lo, MAX(id) AS hi FROM events) b LEFT JOIN "
        "(SELECT id, LENGTH(object) AS size FROM events WHERE id > ? AND id <= ?";
    params.emplace_back(position);
    params.emplace_back(query.until);
    sql += filter_sql(query, params);
    sql += " ORDER BY id LIMIT ?) e ON 1 = 1 ORDER BY e.id";
    params.emplace_back(query.max_rows);
    const auto sizes = conn.exec(sql, params);

    EventRange range;
    range.next_position = position;
    if (sizes.rows.empty()) return range;
    const auto lo = as_int(sizes.rows[0][0]);
    const auto hi = as_int(sizes.rows[0][1]).value_or(0);
    // Pruning deletes oldest first, so lo <= position + 1 proves nothing after the position
    // was pruned; a position past the newest event is not from this database (the newest is
    // never pruned).
    if ((lo && *lo > position + 1) || position > hi) {
        range.pruned = true;
        range.next_position = hi;
        return range;
    }
    std::int64_t last = position;
    std::int64_t bytes = 0;
    std::int64_t count = 0;
    bool cut = false;
    for (const auto& row : sizes.rows) {
        const auto id = as_int(row[2]);
        if (!id) continue;  // the LEFT JOIN's row when nothing matched
        const auto size = as_int(row[3]).value_or(0);
        if (count > 0 && bytes + size > query.max_bytes) {
            cut = true;
            break;
        }
        bytes += size;
        ++count;
        last = *id;
    }
    if (count == query.max_rows) cut = true;
    if (count > 0) {
        std::vector<store::SqlValue> row_params = {position, last};
        std::string rows_sql =
            "SELECT id, event_type, source, source_id, project_id, agent_id, session_id, credential_id, user_id, "
            "object FROM events WHERE id > ? AND id <= ?";
        rows_sql += filter_sql(query, row_params);
        rows_sql += " ORDER BY id";
        const auto rs = conn.exec(rows_sql, row_params);
        range.rows.reserve(rs.rows.size());
        for (const auto& row : rs.rows) {
            EventRow e;
            e.id = as_int(row[0]).value_or(0);
            e.type = text(row[1]);
            e.route = {text(row[2]), text(row[3]), text(row[4]), text(row[5]),
                       text(row[6]), text(row[7]), text(row[8])};
            if (const auto* object = std::get_if<std::string>(&row[9])) e.object = *object;
            range.rows.push_back(std::move(e));
        }
    }
    tx.commit();
    range.more = cut;
    range.next_position = cut ? last : std::max(std::min(hi, query.until), position);
    return range;
}

std::int64_t newest_event_id(store::Connection& conn) {
    const auto rs = conn.exec("SELECT MAX(id) FROM events");
    return rs.rows.empty() ? 0 : as_int(rs.rows[0][0]).value_or(0);
}

EventBounds event_bounds(store::Connection& conn) {
    const auto rs = conn.exec("SELECT MIN(id), MAX(id) FROM events");
    if (rs.rows.empty()) return {};
    return {as_int(rs.rows[0][0]), as_int(rs.rows[0][1]).value_or(0)};
}

std::unordered_map<std::string, std::int64_t> incarnation_starts(store::Connection& conn,
                                                                 const std::vector<std::string>& projects) {
    std::unordered_map<std::string, std::int64_t> starts;
    if (projects.empty()) return starts;
    std::string sql =
        "SELECT source_id, MAX(id) FROM events WHERE source = ? AND event_type = 'Create' AND source_id IN (";
    std::vector<store::SqlValue> params = {std::string(kProjectsSource)};
    for (const auto& p : projects) {
        sql += params.size() == 1 ? "?" : ", ?";
        params.emplace_back(p);
        starts.emplace(p, 0);
    }
    sql += ") GROUP BY source_id";
    for (const auto& row : conn.exec(sql, params).rows)
        starts[text(row[0])] = as_int(row[1]).value_or(0);
    return starts;
}

}  // namespace ambient::api::streams
