#include "common/metrics.hpp"

#include <charconv>
#include <cmath>

#include "common/http_methods.hpp"

namespace ambient {
namespace {

// Prometheus parses Go float syntax; the shortest round-trip representation is valid there.
void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
        out.append(buf, ec == std::errc{} ? end : buf);
    }
}

// HELP text escapes only backslash and newline (quotes are literal there).
std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// The method label: a client picks any token as its method, and each distinct one would be a
// series kept forever.
std::string_view method_label(std::string_view method) {
    return is_known_http_method(method) ? method : "other";
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

void Metrics::record_request(std::string_view method, std::string_view route, int status, double seconds) {
    if (route.empty()) route = kUnmatchedRoute;
    std::size_t bucket = 0;
    while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket])
        ++bucket;

    const auto label = method_label(method);
    std::lock_guard lock(mutex_);
    const std::tuple<std::string_view, std::string_view, int> key{label, route, status};
    auto series = requests_.find(key);
    if (series == requests_.end()) {
        series = requests_.emplace(std::tuple{std::string(label), std::string(route), status}, 0).first;
    }
    ++series->second;
    auto histogram = durations_.find(route);
    if (histogram == durations_.end()) histogram = durations_.emplace(std::string(route), Histogram{}).first;
    auto& h = histogram->second;
    if (bucket < h.buckets.size()) ++h.buckets[bucket];
    h.sum += seconds;
    ++h.count;
}

std::string Metrics::render_prometheus(const std::vector<Gauge>& extra) const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        append_header(out, "ambient_http_requests_total", "HTTP requests handled, by route.", "counter");
        for (const auto& [key, count] : requests_) {
            const auto& [method, route, status] = key;
            out.append("ambient_http_requests_total{method=\"")
                .append(escape_label_value(method))
                .append("\",route=\"")
                .append(escape_label_value(route))
                .append("\",status=\"")
                .append(std::to_string(status))
                .append("\"} ")
                .append(std::to_string(count))
                .append("\n");
        }

        append_header(out, "ambient_http_request_duration_seconds", "HTTP request latency in seconds, by route.",
                      "histogram");
        for (const auto& [route, h] : durations_) {
            const auto label = escape_label_value(route);
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i <= kBucketBounds.size(); ++i) {
                out.append("ambient_http_request_duration_seconds_bucket{route=\"").append(label).append("\",le=\"");
                if (i < kBucketBounds.size()) {
                    cumulative += h.buckets[i];
                    append_number(out, kBucketBounds[i]);
                } else {
                    cumulative = h.count;
                    out += "+Inf";
                }
                out.append("\"} ").append(std::to_string(cumulative)).append("\n");
            }
            out.append("ambient_http_request_duration_seconds_sum{route=\"").append(label).append("\"} ");
            append_number(out, h.sum);
            out.append("\nambient_http_request_duration_seconds_count{route=\"")
                .append(label)
                .append("\"} ")
                .append(std::to_string(h.count))
                .append("\n");
        }
    }

    for (const auto& gauge : extra) {
        append_header(out, gauge.name, gauge.help, gauge.type);
        out.append(gauge.name).append(" ");
        append_number(out, gauge.value);
        out.append("\n");
    }
    return out;
}

}  // namespace ambient
