#pragma once
// Percentiles of delivery latencies (nearest-rank), in milliseconds.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace bench {

struct LatencySummary {
    std::size_t samples = 0;
    double p50_ms = 0;
    double p90_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
};

inline LatencySummary summarize_latencies(std::vector<std::int64_t> ns) {
    LatencySummary s;
    s.samples = ns.size();
    if (ns.empty()) return s;
    std::sort(ns.begin(), ns.end());
    const auto at = [&ns](double q) {
        const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ns.size())));
        return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1e6;
    };
    s.p50_ms = at(0.50);
    s.p90_ms = at(0.90);
    s.p99_ms = at(0.99);
    s.max_ms = static_cast<double>(ns.back()) / 1e6;
    return s;
}

}  // namespace bench
