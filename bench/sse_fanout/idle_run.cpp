#include "idle_run.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "blocking_poster.hpp"
#include "process_probe.hpp"
#include "run_report.hpp"

namespace bench {
namespace {

constexpr auto kQuietLimit = std::chrono::seconds(10);
constexpr auto kIdleWindow = std::chrono::seconds(3);
// How long after closing its streams the client looks at the server's descriptors.
constexpr auto kCloseGrace = std::chrono::seconds(3);

struct WritePhase {
    double cpu_ms = 0;
    double seconds = 0;
    std::size_t failed = 0;
    std::size_t never_quiet = 0;  // writes after which the server stayed busy past kQuietLimit
    std::map<std::string, std::size_t> errors;
};

std::string with_number(std::string text, std::size_t n) {
    const std::string placeholder = "{n}";
    for (auto pos = text.find(placeholder); pos != std::string::npos; pos = text.find(placeholder, pos))
        text.replace(pos, placeholder.size(), std::to_string(n));
    return text;
}

WritePhase run_writes(BlockingPoster& poster, const IdleOptions& options, std::size_t& next_number) {
    WritePhase phase;
    const pid_t pid = options.server_pid;
    wait_until_quiet(pid, kQuietLimit);
    const auto started = Clock::now();
    const double cpu_before = process_cpu_ms(pid);
    for (std::size_t i = 0; i < options.writes; ++i) {
        const auto result = poster.post(with_number(options.write_body, next_number++));
        if (result.status < 200 || result.status > 299) {
            ++phase.failed;
            ++phase.errors[result.status == 0 ? result.error : "HTTP " + std::to_string(result.status)];
        }
        if (!wait_until_quiet(pid, kQuietLimit)) ++phase.never_quiet;
    }
    phase.cpu_ms = process_cpu_ms(pid) - cpu_before;
    phase.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return phase;
}

void print_phase(const std::string& label, const char* name, const WritePhase& phase, std::size_t writes) {
    std::printf("  %s: %zu writes %s: server CPU %.0f ms (%.3f ms per write) in %.1f s", label.c_str(), writes, name,
                phase.cpu_ms, writes ? phase.cpu_ms / static_cast<double>(writes) : 0.0, phase.seconds);
    if (phase.failed) std::printf("; %zu failed", phase.failed);
    if (phase.never_quiet) {
        std::printf("; server still busy %zu times after %lld s", phase.never_quiet,
                    static_cast<long long>(kQuietLimit.count()));
    }
    std::printf("\n");
    for (const auto& [reason, n] : phase.errors)
        std::printf("    write failed: %zu x \"%s\"\n", n, reason.c_str());
    std::fflush(stdout);
}

nlohmann::json phase_json(const WritePhase& phase) {
    return {{"cpu_ms", phase.cpu_ms},
            {"seconds", phase.seconds},
            {"failed", phase.failed},
            {"never_quiet", phase.never_quiet}};
}

}  // namespace

int run_idle(const IdleOptions& options) {
    const pid_t pid = options.server_pid;
    const auto w = options.watchers.count;
    const auto k = options.writes;
    std::printf("  %s: %zu idle streams of %s; %zu writes to %s per phase\n", options.label.c_str(), w,
                options.watchers.url.target.c_str(), k, k ? options.write_url.target.c_str() : "-");
    std::fflush(stdout);
    auto poster = std::make_unique<BlockingPoster>(options.write_url, options.write_headers);
    std::size_t next_number = 1;

    WritePhase before;
    if (k) {
        before = run_writes(*poster, options, next_number);
        print_phase(options.label, "without streams", before, k);
    }

    wait_until_quiet(pid, kQuietLimit);
    const long rss_before = process_rss_kib(pid);
    const long fds_before = process_fd_count(pid);
    auto watchers =
        std::make_unique<SseConnections>(options.watchers, [](std::size_t, std::string_view, Clock::time_point) {});
    const auto opened = watchers->open();
    print_open_report(options.label, w, opened);
    const bool settled = wait_until_quiet(pid, kQuietLimit);
    const long rss_after = process_rss_kib(pid);
    auto memory = memory_figures(rss_before, rss_after, opened.open);
    std::printf("  %s: server RSS %ld -> %ld KiB: %.2f KiB per idle stream%s\n", options.label.c_str(), rss_before,
                rss_after, memory["rss_per_stream_kib"].get<double>(), settled ? "" : " (server never went idle)");

    const double idle_cpu_before = process_cpu_ms(pid);
    std::this_thread::sleep_for(kIdleWindow);
    const double idle_cpu_ms_per_s =
        (process_cpu_ms(pid) - idle_cpu_before) / std::chrono::duration<double>(kIdleWindow).count();
    std::printf("  %s: server CPU with the streams open and nothing written: %.1f ms per second\n",
                options.label.c_str(), idle_cpu_ms_per_s);

    WritePhase with;
    if (k) {
        with = run_writes(*poster, options, next_number);
        print_phase(options.label, "with the streams open", with, k);
    }
    const auto still_open = watchers->open_count();
    const auto events = watchers->events();
    const auto comments = watchers->comments();
    watchers.reset();
    poster.reset();
    std::this_thread::sleep_for(kCloseGrace);
    const long fds_held = fds_before >= 0 ? process_fd_count(pid) - fds_before : -1;
    std::printf(
        "  %s: %lld s after the client closed its %zu streams, the server held %ld descriptors more than "
        "before them\n",
        options.label.c_str(), static_cast<long long>(kCloseGrace.count()), still_open, fds_held);
    const double per_write_ms = k ? (with.cpu_ms - before.cpu_ms) / static_cast<double>(k) : -1.0;
    if (k) {
        std::printf(
            "  %s: idle-stream CPU per unrelated write: %.3f ms (%.0f - %.0f ms over %zu writes, %zu streams)\n",
            options.label.c_str(), per_write_ms, with.cpu_ms, before.cpu_ms, k, still_open);
    }
    std::printf("  %s: the idle streams received %llu events and %llu comments; %zu dropped\n", options.label.c_str(),
                static_cast<unsigned long long>(events), static_cast<unsigned long long>(comments),
                opened.open - still_open);

    nlohmann::json result = {{"mode", "idle"},
                             {"label", options.label},
                             {"streams", w},
                             {"open", opened.open},
                             {"open_seconds", opened.seconds},
                             {"not_open", opened.reasons},
                             {"writes", k},
                             {"without", phase_json(before)},
                             {"with", phase_json(with)},
                             {"fds_held_after_close", fds_held},
                             {"cpu_per_write_ms", per_write_ms},
                             {"idle_cpu_ms_per_s", idle_cpu_ms_per_s},
                             {"events", events},
                             {"comments", comments},
                             {"dropped", opened.open - still_open}};
    result.update(memory);
    print_result(result);
    return 0;
}

}  // namespace bench
