#include "api/audit/audit_retention.hpp"

#include <charconv>

#include "common/time.hpp"

namespace ambient::api {
namespace {

constexpr std::int64_t kBatch = 5000;
constexpr std::int64_t kMaxSeconds = 100LL * 366 * 24 * 3600;

}  // namespace

std::optional<std::chrono::seconds> parse_audit_retention(std::string_view text) {
    if (text.empty()) return std::chrono::seconds{0};
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr == text.data() || value < 0) return std::nullopt;
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    std::int64_t scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1;
    } else if (unit == "m") {
        scale = 60;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "d") {
        scale = 24 * 3600;
    } else {
        return std::nullopt;
    }
    if (value > kMaxSeconds / scale) return std::nullopt;
    return std::chrono::seconds{value * scale};
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
