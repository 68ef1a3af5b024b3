#include "controlplane/metrics_text.hpp"

#include <gtest/gtest.h>

namespace ambient::controlplane {
namespace {

TEST(ControlPlaneMetrics, EveryFigureIsRenderedWithItsTypeAndLabels) {
    const auto text = render_metrics({
        .sessions_by_phase = {{"", 2}, {"Running", 3}},
        .live_runners = 3,
        .reconcile_errors = 4,
        .watch_connections = {{"sessions", 5}},
        .watch_lists = {{"sessions", 6}},
        .watch_streams_open = {{"sessions", 1}, {"projects", 0}},
        .watch_streams_resumed = {{"sessions", 10}},
        .watch_streams_ended_by_fault = {{"sessions", {{"stalled", 11}, {"closed", 12}}}},
        .refresh_passes = 7,
        .refresh_failures = 8,
        .tokens_written = 9,
        .last_refresh_pass_seconds = 0.25,
    });
    for (const char* line : {
             "# TYPE ambient_cp_sessions gauge\n",
             "ambient_cp_sessions{phase=\"\"} 2\n",
             "ambient_cp_sessions{phase=\"Running\"} 3\n",
             "ambient_cp_live_runners 3\n",
             "# TYPE ambient_cp_reconcile_errors_total counter\n",
             "ambient_cp_reconcile_errors_total 4\n",
             "ambient_cp_watch_connections_total{resource=\"sessions\"} 5\n",
             "ambient_cp_watch_lists_total{resource=\"sessions\"} 6\n",
             "# TYPE ambient_cp_watch_streams_open gauge\n",
             "ambient_cp_watch_streams_open{resource=\"sessions\"} 1\n",
             "ambient_cp_watch_streams_open{resource=\"projects\"} 0\n",
             "# TYPE ambient_cp_watch_streams_resumed_total counter\n",
             "ambient_cp_watch_streams_resumed_total{resource=\"sessions\"} 10\n",
             "# TYPE ambient_cp_watch_streams_ended_by_fault_total counter\n",
             "ambient_cp_watch_streams_ended_by_fault_total{resource=\"sessions\",reason=\"stalled\"} 11\n",
             "ambient_cp_watch_streams_ended_by_fault_total{resource=\"sessions\",reason=\"closed\"} 12\n",
             "ambient_cp_token_refresh_passes_total 7\n",
             "ambient_cp_token_refresh_failures_total 8\n",
             "ambient_cp_tokens_written_total 9\n",
             "ambient_cp_token_refresh_pass_seconds 0.250000\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line;
    }
}

}  // namespace
}  // namespace ambient::controlplane
