#pragma once
// The control plane's /metrics body (Prometheus text format 0.0.4), rendered from a
// snapshot so that the rendering is plain logic and the sources stay where they live.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace ambient::controlplane {

struct MetricsSnapshot {
    std::map<std::string, std::size_t> sessions_by_phase;  // "" = created, never started
    std::size_t live_runners = 0;
    std::uint64_t reconcile_errors = 0;
    std::map<std::string, std::uint64_t> watch_connections;  // by resource: sessions, projects
    std::map<std::string, std::uint64_t> watch_lists;
    std::map<std::string, std::uint64_t> watch_streams_open;     // by resource: 0 or 1
    std::map<std::string, std::uint64_t> watch_streams_resumed;  // by resource
    // By resource, then reason (stalled, error_event, closed, broken, malformed).
    std::map<std::string, std::map<std::string, std::uint64_t>> watch_streams_ended_by_fault;
    std::uint64_t refresh_passes = 0;
    std::uint64_t refresh_failures = 0;
    std::uint64_t tokens_written = 0;
    double last_refresh_pass_seconds = 0;
};

std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace ambient::controlplane
