#include "api/streams/event_frontier.hpp"

#include <algorithm>
#include <thread>

namespace ambient::api::streams {
namespace {

// How often settle_newest() looks again while transactions that were running still are.
constexpr auto kSettlePoll = std::chrono::milliseconds(2);

std::int64_t int_or_zero(const store::SqlValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    return 0;
}

std::int64_t newest_id(store::Connection& conn) {
    const auto rs = conn.exec("SELECT MAX(id) FROM events");
    return rs.rows.empty() ? 0 : int_or_zero(rs.rows[0][0]);
}

}  // namespace

EventFrontier::Checkpoint EventFrontier::take_checkpoint(store::Connection& conn) {
    store::Transaction tx(conn, store::TxMode::Write);
    // The xid's commit record is worth no WAL flush: a crash ends the checkpoint anyway.
    conn.exec("SET LOCAL synchronous_commit = off");
    const auto rs = conn.exec("SELECT (SELECT MAX(id) FROM events), pg_current_xact_id()::text::bigint");
    tx.commit();
    return {int_or_zero(rs.rows.at(0)[0]), int_or_zero(rs.rows.at(0)[1])};
}

Frontier EventFrontier::advance(store::Connection& conn, std::int64_t from, std::int64_t max_rows) {
    if (conn.dialect() != store::Dialect::Postgres) return {std::max(from, newest_id(conn)), false, false};

    // One statement, so that the snapshot's xmin, the newest id and the ids listed are all
    // of the same snapshot. xid8 has no integer type of its own in the driver: as text,
    // then bigint (xids stay far below 2^63).
    const auto rs = conn.exec(
        "SELECT pg_snapshot_xmin(s)::text::bigint, (SELECT MAX(id) FROM events), e.id "
        "FROM pg_current_snapshot() AS s "
        "LEFT JOIN (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?) e ON TRUE ORDER BY e.id",
        {from, max_rows});
    if (rs.rows.empty()) return {from, false, false};
    const auto xmin = int_or_zero(rs.rows[0][0]);
    const auto newest = int_or_zero(rs.rows[0][1]);

    Frontier f{from, false, false};
    {
        std::lock_guard lock(mutex_);
        if (checkpoint_ && xmin > checkpoint_->xid) {
            settled_ = std::max(settled_, checkpoint_->newest);
            checkpoint_.reset();
        }
        // Ids come in order. One is settled when it is at or below settled_, or when every
        // id between the last settled one and it is settled (then the ids in between that
        // are not listed are lost for good).
        std::int64_t listed = 0;
        bool gap = false;
        for (const auto& row : rs.rows) {
            const auto* id = std::get_if<std::int64_t>(&row[2]);
            if (id == nullptr) continue;  // the LEFT JOIN's row when no id is listed
            ++listed;
            if (*id > std::max(settled_, f.position) + 1) {
                gap = true;
                break;
            }
            f.position = *id;
        }
        if (!gap && listed == max_rows) {
            f.more = true;
            return f;
        }
        // Nothing visible lies between the last listed id and settled_: those ids are lost.
        f.position = std::max(f.position, std::min(settled_, newest));
        f.waiting = f.position < newest;
        if (!f.waiting || checkpoint_) return f;
    }
    // A gap and no checkpoint that will settle it: take one.
    const auto checkpoint = take_checkpoint(conn);
    std::lock_guard lock(mutex_);
    if (!checkpoint_) checkpoint_ = checkpoint;
    return f;
}

std::int64_t EventFrontier::settle_newest(store::Connection& conn, std::chrono::milliseconds patience) {
    if (conn.dialect() != store::Dialect::Postgres) return newest_id(conn);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    const auto checkpoint = take_checkpoint(conn);
    for (;;) {
        const auto rs = conn.exec("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
        if (int_or_zero(rs.rows.at(0)[0]) > checkpoint.xid) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            throw store::StoreError("transactions that may still write events did not end in time");
        }
        std::this_thread::sleep_for(kSettlePoll);
    }
    std::lock_guard lock(mutex_);
    settled_ = std::max(settled_, checkpoint.newest);
    return checkpoint.newest;
}

}  // namespace ambient::api::streams
