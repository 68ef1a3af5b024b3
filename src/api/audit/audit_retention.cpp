#include "api/audit/audit_retention.hpp"

#include "common/duration.hpp"
#include "common/time.hpp"

namespace ambient::api {
namespace {

constexpr std::int64_t kBatch = 5000;

}  // namespace

std::optional<std::chrono::seconds> parse_audit_retention(std::string_view text) {
    return parse_retention_age(text);
}

std::int64_t prune_audit_events(store::Connection& conn, std::chrono::system_clock::time_point cutoff) {
    const auto before = format_rfc3339(cutoff);
    std::int64_t deleted = 0;
    for (;;) {
        store::Transaction tx(conn, store::TxMode::Write);
        const auto rs =
            conn.exec("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE created_at < ? LIMIT ?)",
                      {before, kBatch});
        tx.commit();
        deleted += rs.affected_rows;
        if (rs.affected_rows < kBatch) return deleted;
    }
}

}  // namespace ambient::api
