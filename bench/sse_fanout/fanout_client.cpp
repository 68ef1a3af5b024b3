// bench-sse-client: the load client of bench/sse_fanout (and bench/soak). Three runs:
//
//   bench-sse-client delivery --url URL --publish-url URL [--connections N] [--messages M] …
//       N readers of one SSE stream, M messages published one at a time: delivery latency
//       percentiles and missed deliveries (delivery_run.hpp).
//   bench-sse-client idle --url URL --write-url URL --write-body JSON --server-pid PID …
//       W idle streams: server CPU per unrelated write and memory per stream (idle_run.hpp).
//   bench-sse-client hold --url URL --seconds S [--connections W] …
//       W streams held open for S seconds: how many the server ended early (hold_run.hpp).
//
// All print human-readable lines and one "RESULT {json}" line. The client raises its own
// descriptor limit to the hard maximum, opens connections a window at a time and runs its
// readers on 1 (default) or 2 threads of Boost.Asio (epoll).
#include <sys/resource.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "delivery_run.hpp"
#include "hold_run.hpp"
#include "idle_run.hpp"

namespace {

struct CommonOptions {
    std::string url;
    std::vector<std::string> headers;
    std::size_t connections = 1000;
    std::size_t window = 200;
    std::size_t threads = 1;
    int open_timeout_s = 120;
    pid_t server_pid = 0;
    std::string label = "run";
};

void add_common(CLI::App* cmd, CommonOptions& o) {
    cmd->add_option("--url", o.url, "SSE URL every stream GETs (http://HOST:PORT/PATH)")->required();
    cmd->add_option("-H,--header", o.headers, "Header sent on every request, \"Name: value\" (repeatable)");
    cmd->add_option("--connections", o.connections, "Streams to open")->capture_default_str();
    cmd->add_option("--window", o.window, "Handshakes in flight at once")->capture_default_str();
    cmd->add_option("--threads", o.threads, "Client I/O threads (1 or 2)")
        ->check(CLI::Range(1, 2))
        ->capture_default_str();
    cmd->add_option("--open-timeout", o.open_timeout_s, "Seconds to wait for every stream's response head")
        ->capture_default_str();
    cmd->add_option("--server-pid", o.server_pid, "PID of the server, for its RSS and CPU (from /proc)");
    cmd->add_option("--label", o.label, "Name of the run in the output")->capture_default_str();
}

bench::HttpUrl url_or_throw(const std::string& text, const char* option) {
    auto url = bench::parse_http_url(text);
    if (!url) throw CLI::ValidationError(option, "expected http://HOST:PORT/PATH, got " + text);
    return *url;
}

bench::SseConnectionsOptions streams_of(const CommonOptions& o) {
    bench::SseConnectionsOptions s;
    s.url = url_or_throw(o.url, "--url");
    s.headers = o.headers;
    s.headers.push_back("Accept: text/event-stream");
    s.count = o.connections;
    s.window = std::max<std::size_t>(o.window, 1);
    s.threads = o.threads;
    s.open_timeout = std::chrono::seconds(o.open_timeout_s);
    return s;
}

void raise_descriptor_limit(std::size_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < wanted + 16) {
        std::fprintf(stderr, "warning: descriptor limit %llu is below the %zu streams asked for\n",
                     static_cast<unsigned long long>(limit.rlim_cur), wanted);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"bench-sse-client: SSE fan-out load client of bench/sse_fanout"};
    cli.require_subcommand(1);

    CommonOptions delivery_common;
    std::string publish_url;
    std::string publish_as = "raw";
    std::size_t messages = 20;
    int deadline_ms = 10000;
    auto* delivery = cli.add_subcommand("delivery", "N readers, M messages: delivery latency");
    add_common(delivery, delivery_common);
    delivery->add_option("--publish-url", publish_url, "Where each message is POSTed")->required();
    delivery
        ->add_option("--publish-as", publish_as,
                     "raw: the body is the timestamp JSON; session-message: "
                     "{\"event_type\":\"user\",\"payload\":\"<that JSON>\"}")
        ->check(CLI::IsMember({"raw", "session-message"}))
        ->capture_default_str();
    delivery->add_option("--messages", messages, "Messages to publish")->capture_default_str();
    delivery->add_option("--deadline-ms", deadline_ms, "Per message: how long to wait for every reader")
        ->capture_default_str();

    CommonOptions idle_common;
    std::string write_url;
    std::string write_body;
    std::size_t writes = 200;
    auto* idle = cli.add_subcommand("idle", "W idle streams: CPU per unrelated write, memory per stream");
    add_common(idle, idle_common);
    idle->add_option("--write-url", write_url, "Where the unrelated writes are POSTed");
    idle->add_option("--write-body", write_body, "JSON body of a write; \"{n}\" becomes a unique number");
    idle->add_option("--writes", writes, "Writes per phase (0: memory only)")->capture_default_str();

    CommonOptions hold_common;
    int hold_seconds = 60;
    auto* hold = cli.add_subcommand("hold", "W streams held open for a while: how many the server ended early");
    add_common(hold, hold_common);
    hold->add_option("--seconds", hold_seconds, "How long to hold the streams")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();

    CLI11_PARSE(cli, argc, argv);
    try {
        if (*delivery) {
            if (delivery_common.server_pid < 0) throw CLI::ValidationError("--server-pid", "must be positive");
            raise_descriptor_limit(delivery_common.connections);
            bench::DeliveryOptions o;
            o.label = delivery_common.label;
            o.readers = streams_of(delivery_common);
            o.publish_url = url_or_throw(publish_url, "--publish-url");
            o.publish_headers = delivery_common.headers;
            o.as_session_message = publish_as == "session-message";
            o.messages = messages;
            o.deadline = std::chrono::milliseconds(deadline_ms);
            o.server_pid = delivery_common.server_pid;
            return bench::run_delivery(o);
        }
        if (*hold) {
            raise_descriptor_limit(hold_common.connections);
            bench::HoldOptions o;
            o.label = hold_common.label;
            o.streams = streams_of(hold_common);
            o.hold = std::chrono::seconds(hold_seconds);
            return bench::run_hold(o);
        }
        if (idle_common.server_pid <= 0) throw CLI::ValidationError("--server-pid", "is required for idle");
        if (writes > 0 && (write_url.empty() || write_body.empty())) {
            throw CLI::ValidationError("--write-url", "--write-url and --write-body are required when --writes > 0");
        }
        raise_descriptor_limit(idle_common.connections);
        bench::IdleOptions o;
        o.label = idle_common.label;
        o.watchers = streams_of(idle_common);
        if (writes > 0) o.write_url = url_or_throw(write_url, "--write-url");
        o.write_headers = idle_common.headers;
        o.write_body = write_body;
        o.writes = writes;
        o.server_pid = idle_common.server_pid;
        return bench::run_idle(o);
    } catch (const CLI::Error& e) {
        return cli.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "bench-sse-client: " << e.what() << "\n";
        return 1;
    }
}
