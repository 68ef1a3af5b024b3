#include "run_report.hpp"

#include <cstdio>
#include <iostream>

namespace bench {

void print_open_report(const std::string& label, std::size_t wanted, const OpenReport& report) {
    std::printf("  %s: %zu of %zu streams open in %.1f s", label.c_str(), report.open, wanted, report.seconds);
    if (!report.reasons.empty()) {
        std::printf("; not open:");
        for (const auto& [reason, n] : report.reasons)
            std::printf(" %zu x \"%s\"", n, reason.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
}

nlohmann::json memory_figures(long rss_before_kib, long rss_after_kib, std::size_t open) {
    nlohmann::json j;
    j["rss_before_kib"] = rss_before_kib;
    j["rss_after_kib"] = rss_after_kib;
    const bool known = rss_before_kib > 0 && rss_after_kib > 0 && open > 0;
    j["rss_per_stream_kib"] =
        known ? static_cast<double>(rss_after_kib - rss_before_kib) / static_cast<double>(open) : -1.0;
    return j;
}

void print_result(const nlohmann::json& result) {
    std::cout << "RESULT " << result.dump() << std::endl;
}

}  // namespace bench
