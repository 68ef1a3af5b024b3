#pragma once
// Output shared by the client's runs: a few human-readable lines, then one machine-readable
// "RESULT {json}" line that bench/sse_fanout/run reads.
#include <string>

#include <nlohmann/json.hpp>

#include "sse_connections.hpp"

namespace bench {

// "  <label>: 9998 of 10000 streams open in 12.3 s; failed: 2 (connect: ... )"
void print_open_report(const std::string& label, std::size_t wanted, const OpenReport& report);

// Server figures before and after opening streams; `open` streams share the difference.
nlohmann::json memory_figures(long rss_before_kib, long rss_after_kib, std::size_t open);

void print_result(const nlohmann::json& result);

}  // namespace bench
