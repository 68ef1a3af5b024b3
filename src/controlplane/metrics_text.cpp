#include "controlplane/metrics_text.hpp"

#include <fmt/format.h>

#include "common/metrics.hpp"

namespace ambient::controlplane {
namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

template <typename Map>
void labelled(std::string& out, const char* name, const char* label, const Map& values) {
    for (const auto& [key, value] : values)
        out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, escape_label_value(key), value);
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
    std::string out;
    header(out, "ambient_cp_sessions", "gauge", "Sessions known to the control plane, by phase (\"\": never started).");
    labelled(out, "ambient_cp_sessions", "phase", s.sessions_by_phase);
    header(out, "ambient_cp_live_runners", "gauge", "Runners the runtime holds (starting, ready or stopping).");
    out += fmt::format("ambient_cp_live_runners {}\n", s.live_runners);
    header(out, "ambient_cp_reconcile_errors_total", "counter", "Reconciles that failed and were retried.");
    out += fmt::format("ambient_cp_reconcile_errors_total {}\n", s.reconcile_errors);
    header(out, "ambient_cp_watch_connections_total", "counter", "Watch streams opened, by resource.");
    labelled(out, "ambient_cp_watch_connections_total", "resource", s.watch_connections);
    header(out, "ambient_cp_watch_lists_total", "counter",
           "Full lists (at start, after a lost resume point, on RESYNC).");
    labelled(out, "ambient_cp_watch_lists_total", "resource", s.watch_lists);
    header(out, "ambient_cp_watch_streams_open", "gauge", "Watch streams open now, by resource.");
    labelled(out, "ambient_cp_watch_streams_open", "resource", s.watch_streams_open);
    header(out, "ambient_cp_watch_streams_resumed_total", "counter",
           "Watch streams opened with Last-Event-ID where an earlier one ended, by resource.");
    labelled(out, "ambient_cp_watch_streams_resumed_total", "resource", s.watch_streams_resumed);
    header(out, "ambient_cp_watch_streams_ended_by_fault_total", "counter",
           "Watch streams that ended without being asked to, by resource and reason (stalled: no byte for "
           "the idle timeout; error_event; closed: by the server; broken: the connection failed; malformed).");
    for (const auto& [resource, reasons] : s.watch_streams_ended_by_fault) {
        for (const auto& [reason, value] : reasons)
            out += fmt::format("ambient_cp_watch_streams_ended_by_fault_total{{resource=\"{}\",reason=\"{}\"}} {}\n",
                               escape_label_value(resource), escape_label_value(reason), value);
    }
    header(out, "ambient_cp_token_refresh_passes_total", "counter", "Token refresh passes completed.");
    out += fmt::format("ambient_cp_token_refresh_passes_total {}\n", s.refresh_passes);
    header(out, "ambient_cp_token_refresh_failures_total", "counter", "Runner tokens that could not be refreshed.");
    out += fmt::format("ambient_cp_token_refresh_failures_total {}\n", s.refresh_failures);
    header(out, "ambient_cp_tokens_written_total", "counter", "Runner token files written.");
    out += fmt::format("ambient_cp_tokens_written_total {}\n", s.tokens_written);
    header(out, "ambient_cp_token_refresh_pass_seconds", "gauge", "Duration of the last refresh pass.");
    out += fmt::format("ambient_cp_token_refresh_pass_seconds {:.6f}\n", s.last_refresh_pass_seconds);
    return out;
}

}  // namespace ambient::controlplane
