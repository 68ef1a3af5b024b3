#pragma once
// How long audit rows are kept (--audit-retention): rows older than that are deleted by a
// background task (audit_upkeep.hpp), on SQLite and PostgreSQL alike.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/store/database.hpp"

namespace ambient::api {

inline constexpr std::string_view kDefaultAuditRetention = "90d";

// "90d", "12h", "30m", "45s" or plain seconds ("3600"); "0" and "" mean keep forever
// (zero). nullopt for anything else, or for more than 100 years.
std::optional<std::chrono::seconds> parse_audit_retention(std::string_view text);

// Deletes the audit rows created before `cutoff`, a batch per transaction so that writers
// never wait long; returns how many.
std::int64_t prune_audit_events(store::Connection& conn, std::chrono::system_clock::time_point cutoff);

}  // namespace ambient::api
