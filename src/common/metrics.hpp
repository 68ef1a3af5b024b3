#pragma once
// Request counters and latency histograms in Prometheus text format 0.0.4. Deliberately
// free of any HTTP library: the server's `after` hook feeds it, the /metrics handler renders it.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace ambient {

// A point-in-time value supplied by the caller at render time (pool sizes, uptime, ...).
struct Gauge {
    std::string name;
    std::string help;
    double value = 0;
    // "counter" for a total that only grows, which the caller keeps itself.
    std::string type = "gauge";
};

class Metrics {
public:
    // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
    static constexpr std::array<double, 12> kBucketBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                             0.25,  0.5,   1,    2.5,   5,    10};
    // The route label for requests that matched no route.
    static constexpr std::string_view kUnmatchedRoute = "unmatched";

    // Thread-safe. `route` is the matched pattern (never the concrete path, to keep the label
    // set bounded); an empty route is recorded as "unmatched", and a method other than those
    // of RFC 9110 and PATCH (case-sensitive: "get" too) as "other".
    void record_request(std::string_view method, std::string_view route, int status, double seconds);

    // ambient_http_requests_total{method,route,status}, ambient_http_request_duration_seconds
    // {route} and the extra gauges, sorted so that the output is stable.
    std::string render_prometheus(const std::vector<Gauge>& extra = {}) const;

private:
    struct Histogram {
        std::array<std::uint64_t, kBucketBounds.size()> buckets{};  // not cumulative
        double sum = 0;
        std::uint64_t count = 0;
    };

    mutable std::mutex mutex_;
    // Transparent comparators: a request that adds to an existing series is looked up by
    // views of its labels, without building (allocating) the key strings.
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t, std::less<>> requests_;
    std::map<std::string, Histogram, std::less<>> durations_;
};

// Escapes a label value for the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace ambient
