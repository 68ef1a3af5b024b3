// bench-runner-client: the measuring side of bench/runner/run.
//
//   start   -- ARGV…  starts the runner --runs times: spawn to its first 2xx of GET /health,
//                     its VmRSS after --idle-ms of sitting ready (first run), SIGTERM to exit
//   capture           reads a stream from Last-Event-ID 0 until --until-count events whose
//                     data holds "type":"<--until-type>" have come, or none for --quiet-ms
//                     (the replay ring held fewer), and saves every event
//                     ("id: N\ndata: …\n\n") to --save: what the bare server sends
//   read              reads --events events from a stream --repeat times, a new connection
//                     each: events per second from connecting to the last event
// Each prints its lines and then one "RESULT {json}" line for the script.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "event_reader.hpp"
#include "start_probe.hpp"

namespace {

using nlohmann::json;

double median(std::vector<double> v) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(rank, v.size() - 1)];
}

json summary(const std::vector<double>& v) {
    if (v.empty()) return json::object();
    return {{"median", median(v)},
            {"p90", percentile(v, 90)},
            {"min", *std::min_element(v.begin(), v.end())},
            {"max", *std::max_element(v.begin(), v.end())}};
}

bench::ReadRequest read_request(const std::string& url, const std::vector<std::string>& headers, int timeout_ms) {
    auto parsed = bench::parse_http_url(url);
    if (!parsed) throw CLI::ValidationError("--url", "not an http://HOST:PORT/… URL: " + url);
    bench::ReadRequest r;
    r.url = *parsed;
    r.headers = headers;
    r.last_event_id = "0";
    r.timeout = std::chrono::milliseconds(timeout_ms);
    return r;
}

int run_start(const bench::StartRequest& request, int runs) {
    std::vector<double> ready;
    std::vector<double> stop;
    json result = {{"runs", runs}};
    for (int i = 0; i < runs; ++i) {
        const auto run = bench::start_once(request, i == 0);
        if (!run.error.empty()) {
            std::cerr << "start " << i + 1 << ": " << run.error << "\n";
            return 1;
        }
        ready.push_back(run.ready_ms);
        stop.push_back(run.stop_ms);
        if (i == 0) {
            result["idle_rss_kib"] = run.idle_rss_kib;
            result["idle_rss_anon_kib"] = run.idle_rss_anon_kib;
            result["idle_rss_file_kib"] = run.idle_rss_file_kib;
            result["idle_threads"] = run.idle_threads;
            std::cout << "  first start: ready in " << run.ready_ms << " ms; after " << request.idle.count()
                      << " ms idle VmRSS " << run.idle_rss_kib << " KiB (anonymous " << run.idle_rss_anon_kib
                      << ", file " << run.idle_rss_file_kib << "), " << run.idle_threads << " threads; exit "
                      << run.exit_status << " " << run.stop_ms << " ms after SIGTERM\n";
        }
        if (run.exit_status != 0) result["nonzero_exit"] = run.exit_status;
    }
    result["ready_ms"] = summary(ready);
    result["stop_ms"] = summary(stop);
    std::cout << "RESULT " << result.dump() << std::endl;
    return 0;
}

int run_capture(bench::ReadRequest request, const std::string& type, int count, int quiet_ms, const std::string& save) {
    request.quiet = std::chrono::milliseconds(quiet_ms);
    std::ofstream out(save, std::ios::binary | std::ios::trunc);
    if (!out) {
        std::cerr << "cannot write " << save << "\n";
        return 1;
    }
    const std::string needle = "\"type\":\"" + type + "\"";
    int seen = 0;
    std::string first_id;
    std::string last_id;
    auto outcome = bench::read_events(request, [&](std::string_view id, std::string_view data) {
        if (first_id.empty()) first_id = id;
        last_id = id;
        if (!id.empty()) out << "id: " << id << "\n";
        std::size_t start = 0;
        while (true) {
            const auto nl = data.find('\n', start);
            out << "data: " << data.substr(start, nl == std::string_view::npos ? nl : nl - start) << "\n";
            if (nl == std::string_view::npos) break;
            start = nl + 1;
        }
        out << "\n";
        if (data.find(needle) != std::string_view::npos) ++seen;
        return seen < count;
    });
    if (!outcome.error.empty()) {
        std::cerr << "capture: " << outcome.error << " (" << seen << " of " << count << " " << type << ")\n";
        return 1;
    }
    out.close();
    json result = {{"events", outcome.events},
                   {"bytes", outcome.bytes},
                   {"ms", outcome.last_event_ms},
                   {"until_type_seen", seen},
                   {"first_id", first_id}};
    std::cout << "  captured " << outcome.events << " events (ids " << first_id << "-" << last_id << ", " << seen << " "
              << type << (outcome.went_quiet ? ", then quiet" : "") << ") in " << outcome.last_event_ms << " ms\n";
    std::cout << "RESULT " << result.dump() << std::endl;
    return 0;
}

int run_read(bench::ReadRequest request, std::uint64_t events, int repeat) {
    request.quiet = std::chrono::milliseconds(5000);  // the stream only pings: fewer events than asked
    std::vector<double> rate;
    std::vector<double> first;
    std::uint64_t bytes = 0;
    for (int i = 0; i < repeat; ++i) {
        auto outcome = bench::read_events(
            request, [&, n = std::uint64_t{0}](std::string_view, std::string_view) mutable { return ++n < events; });
        if (!outcome.error.empty() || outcome.went_quiet) {
            std::cerr << "read " << i + 1 << ": "
                      << (outcome.went_quiet ? "no event for 5 s after " + std::to_string(outcome.events) + " of " +
                                                   std::to_string(events)
                                             : outcome.error)
                      << "\n";
            return 1;
        }
        rate.push_back(static_cast<double>(events) * 1000.0 / outcome.last_event_ms);
        first.push_back(outcome.first_event_ms);
        bytes = outcome.bytes;
    }
    json result = {{"events", events},
                   {"repeat", repeat},
                   {"events_per_s", summary(rate)},
                   {"first_event_ms", summary(first)},
                   {"bytes_per_event", static_cast<double>(bytes) / static_cast<double>(events)}};
    std::cout << "  " << events << " events x " << repeat << ": median " << static_cast<long>(median(rate))
              << " events/s, first event after " << median(first) << " ms\n";
    std::cout << "RESULT " << result.dump() << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench-runner-client: start, capture and read runs of bench/runner/run"};
    app.require_subcommand(1);

    bench::StartRequest start;
    int runs = 20;
    int idle_ms = 1000;
    auto* start_cmd = app.add_subcommand("start", "start the runner --runs times");
    start_cmd->add_option("--runs", runs, "starts")->check(CLI::PositiveNumber);
    start_cmd->add_option("--idle-ms", idle_ms, "ready and idle this long before VmRSS is read");
    start_cmd->add_option("--port", start.port, "its fixed port; 0: the \"listening on\" line of its output");
    start_cmd->add_option("--log", start.log_path, "append its output here");
    start_cmd->add_option("argv", start.argv, "the command")->required();

    std::string url;
    std::vector<std::string> headers;
    int timeout_ms = 30000;
    auto add_stream_options = [&](CLI::App* cmd) {
        cmd->add_option("--url", url, "http://HOST:PORT/PATH of the stream")->required();
        cmd->add_option("-H,--header", headers, "a request header, \"Name: value\"");
        cmd->add_option("--timeout-ms", timeout_ms, "give up after this long without a byte");
    };
    std::string until_type = "RUN_FINISHED";
    int until_count = 1;
    std::string save;
    int quiet_ms = 2000;
    auto* capture_cmd = app.add_subcommand("capture", "read and save a stream's events");
    add_stream_options(capture_cmd);
    capture_cmd->add_option("--until-type", until_type, "the event type to count");
    capture_cmd->add_option("--until-count", until_count, "stop after this many of them")->check(CLI::PositiveNumber);
    capture_cmd->add_option("--quiet-ms", quiet_ms, "or stop after this long without an event");
    capture_cmd->add_option("--save", save, "the events file")->required();

    std::uint64_t events = 0;
    int repeat = 10;
    auto* read_cmd = app.add_subcommand("read", "time reads of a stream");
    add_stream_options(read_cmd);
    read_cmd->add_option("--events", events, "events per read")->required()->check(CLI::PositiveNumber);
    read_cmd->add_option("--repeat", repeat, "reads, one connection each")->check(CLI::PositiveNumber);

    CLI11_PARSE(app, argc, argv);
    try {
        if (*start_cmd) {
            start.idle = std::chrono::milliseconds(idle_ms);
            return run_start(start, runs);
        }
        if (*capture_cmd)
            return run_capture(read_request(url, headers, timeout_ms), until_type, until_count, quiet_ms, save);
        return run_read(read_request(url, headers, timeout_ms), events, repeat);
    } catch (const std::exception& e) {
        std::cerr << "bench-runner-client: " << e.what() << "\n";
        return 1;
    }
}
