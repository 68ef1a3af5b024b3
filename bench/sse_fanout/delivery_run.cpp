#include "delivery_run.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "blocking_poster.hpp"
#include "latency_summary.hpp"
#include "process_probe.hpp"
#include "run_report.hpp"

namespace bench {
namespace {

constexpr std::int64_t kNotReceived = -1;
// How long after closing its streams the client looks at the server's descriptors.
constexpr auto kCloseGrace = std::chrono::seconds(3);

// The digits after `key` in `data`, past at most a few separator characters: `"key":12`
// in plain JSON and `\"key\":12` in JSON carried inside a JSON string look the same to it.
std::optional<std::int64_t> number_after(std::string_view data, std::string_view key) {
    auto pos = data.find(key);
    if (pos == std::string_view::npos) return std::nullopt;
    pos += key.size();
    const auto limit = std::min(data.size(), pos + 4);
    while (pos < limit && (data[pos] < '0' || data[pos] > '9'))
        ++pos;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(data.data() + pos, data.data() + data.size(), value);
    if (ec != std::errc{} || end == data.data() + pos) return std::nullopt;
    return value;
}

std::int64_t steady_ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string message_body(std::size_t k, std::int64_t t_ns, bool as_session_message) {
    const auto stamp = "\"bench_k\":" + std::to_string(k) + ",\"bench_t_ns\":" + std::to_string(t_ns);
    if (!as_session_message) return "{" + stamp + "}";
    // The payload is JSON text in a JSON string: its quotes are escaped.
    std::string escaped;
    for (char c : "{" + stamp + "}") {
        if (c == '"') escaped += '\\';
        escaped += c;
    }
    return R"({"event_type":"user","payload":")" + escaped + "\"}";
}

// What the readers' handlers record, shared with the publishing thread.
struct Deliveries {
    Deliveries(std::size_t readers, std::size_t messages)
        : messages(messages), latency_ns(readers * messages, kNotReceived), delivered(messages) {}

    std::size_t messages;
    std::vector<std::int64_t> latency_ns;  // [reader * messages + k]; written by the reader's handler only
    std::vector<std::atomic<std::size_t>> delivered;
    std::atomic<std::size_t> expected{0};
    std::atomic<std::uint64_t> unrecognised{0};
    std::atomic<std::uint64_t> duplicates{0};
    std::mutex mutex;
    std::condition_variable all_in;

    void record(std::size_t reader, std::string_view data, Clock::time_point received) {
        const auto k = number_after(data, "bench_k");
        const auto sent = number_after(data, "bench_t_ns");
        if (!k || !sent || *k < 0 || static_cast<std::size_t>(*k) >= messages) {
            unrecognised.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        auto& slot = latency_ns[reader * messages + static_cast<std::size_t>(*k)];
        if (slot != kNotReceived) {
            duplicates.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        slot = steady_ns(received) - *sent;
        if (delivered[static_cast<std::size_t>(*k)].fetch_add(1) + 1 >= expected.load()) {
            std::lock_guard lock(mutex);
            all_in.notify_all();
        }
    }

    // Until message k reached every open reader, or the deadline. True when it did.
    bool wait_for(std::size_t k, Clock::time_point deadline, const SseConnections& readers) {
        std::unique_lock lock(mutex);
        while (true) {
            // A reader that dropped never delivers: compare with those still open.
            const auto want = std::min(expected.load(), readers.open_count());
            if (delivered[k].load() >= want) return true;
            if (Clock::now() >= deadline) return false;
            all_in.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
        }
    }
};

}  // namespace

int run_delivery(const DeliveryOptions& options) {
    const auto n = options.readers.count;
    const auto m = options.messages;
    std::printf("  %s: %zu readers of %s, %zu messages, %zu client thread(s), window %zu\n", options.label.c_str(), n,
                options.readers.url.target.c_str(), m, options.readers.threads, options.readers.window);
    const pid_t pid = options.server_pid;
    if (pid > 0) wait_until_quiet(pid, std::chrono::seconds(5));
    const long rss_before = pid > 0 ? process_rss_kib(pid) : -1;
    const long fds_before = pid > 0 ? process_fd_count(pid) : -1;

    Deliveries deliveries(n, m);
    auto connections = std::make_unique<SseConnections>(
        options.readers,
        [&deliveries](std::size_t i, std::string_view data, Clock::time_point at) { deliveries.record(i, data, at); });
    auto& readers = *connections;
    const auto opened = readers.open();
    print_open_report(options.label, n, opened);
    // Let the server finish what opening cost it (first reads of each stream) before measuring.
    const bool settled = pid <= 0 || wait_until_quiet(pid, std::chrono::seconds(15));
    const long rss_after = pid > 0 ? process_rss_kib(pid) : -1;

    auto publisher = std::make_unique<BlockingPoster>(options.publish_url, options.publish_headers);
    std::size_t published = 0;
    std::vector<bool> was_published(m, false);
    std::size_t timed_out = 0;
    std::map<std::string, std::size_t> publish_errors;
    const double cpu_before = pid > 0 ? process_cpu_ms(pid) : -1;
    const double client_cpu_before = process_cpu_ms(getpid());
    const auto started = Clock::now();
    for (std::size_t k = 0; k < m && opened.open > 0; ++k) {
        deliveries.expected = readers.open_count();
        const auto sent = Clock::now();
        const auto result = publisher->post(message_body(k, steady_ns(sent), options.as_session_message));
        if (result.status < 200 || result.status > 299) {
            ++publish_errors[result.status == 0 ? result.error : "HTTP " + std::to_string(result.status)];
            continue;
        }
        ++published;
        was_published[k] = true;
        if (!deliveries.wait_for(k, sent + options.deadline, readers)) ++timed_out;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const double cpu_after = pid > 0 ? process_cpu_ms(pid) : -1;
    const double client_cpu_after = process_cpu_ms(getpid());
    const auto per_message = [published](double total) {
        return published ? total / static_cast<double>(published) : -1.0;
    };
    const double server_cpu_per_message = pid > 0 ? per_message(cpu_after - cpu_before) : -1.0;
    const double client_cpu_per_message = per_message(client_cpu_after - client_cpu_before);
    const auto still_open = readers.open_count();
    const auto drops = readers.drop_reasons();
    readers.stop();

    std::vector<std::int64_t> samples;
    samples.reserve(opened.open * m);
    std::size_t missed = 0;
    std::size_t readers_missing = 0;
    std::size_t late = 0;
    // The slowest delivery of each message: shows whether the tail is every message's or a few messages'.
    std::vector<double> slowest_ms(m, 0.0);
    const auto deadline_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.deadline).count();
    for (std::size_t i = 0; i < n; ++i) {
        if (!readers.opened(i)) continue;
        bool missing = false;
        for (std::size_t k = 0; k < m; ++k) {
            if (!was_published[k]) continue;
            const auto ns = deliveries.latency_ns[i * m + k];
            if (ns == kNotReceived) {
                missing = true;
                ++missed;
                continue;
            }
            samples.push_back(ns);
            slowest_ms[k] = std::max(slowest_ms[k], static_cast<double>(ns) / 1e6);
            if (ns > deadline_ns) ++late;
        }
        if (missing) ++readers_missing;
    }
    connections.reset();
    publisher.reset();
    std::this_thread::sleep_for(kCloseGrace);
    const long fds_held = fds_before >= 0 ? process_fd_count(pid) - fds_before : -1;
    const auto summary = summarize_latencies(std::move(samples));

    std::printf(
        "  %s: delivery p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms over %zu deliveries (%zu of %zu "
        "messages published in %.1f s)\n",
        options.label.c_str(), summary.p50_ms, summary.p90_ms, summary.p99_ms, summary.max_ms, summary.samples,
        published, m, seconds);
    std::printf(
        "  %s: missed %zu deliveries (%zu readers missed at least one), %zu late (> %lld ms), %zu messages hit "
        "the deadline, %zu readers dropped\n",
        options.label.c_str(), missed, readers_missing, late, static_cast<long long>(options.deadline.count()),
        timed_out, opened.open - still_open);
    std::printf("  %s: slowest delivery of each message (ms):", options.label.c_str());
    for (std::size_t k = 0; k < m; ++k)
        if (was_published[k]) std::printf(" %.0f", slowest_ms[k]);
    std::printf("\n");
    for (const auto& [reason, count] : drops)
        std::printf("    dropped: %zu x \"%s\"\n", count, reason.c_str());
    for (const auto& [reason, count] : publish_errors)
        std::printf("    publish failed: %zu x \"%s\"\n", count, reason.c_str());
    auto memory = memory_figures(rss_before, rss_after, opened.open);
    std::printf("  %s: CPU per message: server %.1f ms, this client %.1f ms\n", options.label.c_str(),
                server_cpu_per_message, client_cpu_per_message);
    if (pid > 0) {
        std::printf("  %s: server RSS %ld -> %ld KiB with the readers open: %.1f KiB per stream%s\n",
                    options.label.c_str(), rss_before, rss_after, memory["rss_per_stream_kib"].get<double>(),
                    settled ? "" : " (server never went idle)");
        std::printf(
            "  %s: %lld s after the client closed its streams, the server held %ld descriptors more than "
            "before them\n",
            options.label.c_str(), static_cast<long long>(kCloseGrace.count()), fds_held);
    }
    if (deliveries.unrecognised || deliveries.duplicates) {
        std::printf("  %s: %llu events without a known message index, %llu duplicates\n", options.label.c_str(),
                    static_cast<unsigned long long>(deliveries.unrecognised.load()),
                    static_cast<unsigned long long>(deliveries.duplicates.load()));
    }

    nlohmann::json result = {{"mode", "delivery"},
                             {"label", options.label},
                             {"readers", n},
                             {"open", opened.open},
                             {"open_seconds", opened.seconds},
                             {"not_open", opened.reasons},
                             {"messages", m},
                             {"published", published},
                             {"publish_errors", publish_errors},
                             {"deliveries", summary.samples},
                             {"p50_ms", summary.p50_ms},
                             {"p90_ms", summary.p90_ms},
                             {"p99_ms", summary.p99_ms},
                             {"max_ms", summary.max_ms},
                             {"missed", missed},
                             {"readers_missing", readers_missing},
                             {"late", late},
                             {"slowest_ms_per_message", slowest_ms},
                             {"deadline_ms", options.deadline.count()},
                             {"dropped", opened.open - still_open},
                             {"drop_reasons", drops},
                             {"client_threads", options.readers.threads},
                             {"fds_held_after_close", fds_held},
                             {"server_cpu_ms_per_message", server_cpu_per_message},
                             {"client_cpu_ms_per_message", client_cpu_per_message}};
    result.update(memory);
    print_result(result);
    return 0;
}

}  // namespace bench
