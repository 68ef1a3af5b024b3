#include "controlplane/watch_client.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/client/sse_parser.hpp"

namespace ambient::controlplane {
namespace {

constexpr const char* kApiPrefix = "/api/ambient/v1/";

double default_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

const char* stream_fault_name(StreamFault fault) {
    switch (fault) {
        case StreamFault::Stalled:
            return "stalled";
        case StreamFault::ErrorEvent:
            return "error_event";
        case StreamFault::Closed:
            return "closed";
        case StreamFault::Broken:
            return "broken";
        case StreamFault::Malformed:
            return "malformed";
    }
    return "unknown";
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                        double unit_random) {
    const double base = std::min(static_cast<double>(initial.count()) * std::pow(2.0, std::clamp(attempt, 0, 30)),
                                 static_cast<double>(max.count()));
    const double factor = 0.75 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(base * factor));
}

WatchClient::WatchClient(const client::HttpClient& api, Resource resource, TokenSource token, EventQueue& queue,
                         WatchOptions options)
    : api_(api), resource_(resource), token_(std::move(token)), queue_(queue), options_(std::move(options)) {
    if (!options_.random) options_.random = default_random;
}

bool WatchClient::list_all(const std::string& token) {
    const std::string base = std::string(kApiPrefix) + resource_path(resource_);
    const client::Headers headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
    std::vector<WatchEvent> listed;
    std::vector<std::string> ids;
    try {
        for (int page = 1;; ++page) {
            const auto response = api_.request(
                "GET", base + "?page=" + std::to_string(page) + "&size=" + std::to_string(options_.page_size), {},
                headers);
            if (response.status != 200) {
                spdlog::warn("list {}: status {}", resource_path(resource_), response.status);
                return false;
            }
            const auto body = nlohmann::json::parse(response.body);
            const auto& items = body.at("items");
            for (const auto& item : items) {
                const auto id = item.at("id").get<std::string>();
                ids.push_back(id);
                listed.push_back({resource_, WatchEventType::Added, id, item, 0, {}});
            }
            const auto total = body.value("total", std::int64_t{0});
            if (items.empty() || static_cast<std::int64_t>(ids.size()) >= total) break;
        }
    } catch (const std::exception& e) {
        spdlog::warn("list {}: {}", resource_path(resource_), e.what());
        return false;
    }
    ++lists_;  // counted before the events go out, so a reader of the queue sees it counted
    for (auto& event : listed)
        queue_.push(std::move(event));
    queue_.push({resource_, WatchEventType::Synced, {}, nullptr, 0, std::move(ids)});
    return true;
}

bool WatchClient::on_frame(const std::string& event_name, const std::string& data, const std::string& id,
                           const std::string& token, std::optional<StreamFault>& fault) {
    if (event_name == "error" || event_name == "ERROR") {
        // The server could not go on (its database away, a failover): what it sent before
        // stands, and the next connection resumes after it.
        fault = StreamFault::ErrorEvent;
        return false;
    }
    if (event_name == "RESYNC") {
        // Changes were lost to pruning: what exists now is the truth, then the stream goes on
        // from its current end.
        spdlog::info("watch {}: RESYNC, listing again", resource_path(resource_));
        last_event_id_ = 0;
        return list_all(token);
    }
    if (event_name == "ERROR") {
        // The server ends the stream (its database failed it): reconnect from the last id.
        spdlog::warn("watch {}: the server ended the stream: {}", resource_path(resource_), data);
        return false;
    }
    try {
        auto event = decode_watch_frame(resource_, data, id);
        last_event_id_ = event.event_id;
        queue_.push(std::move(event));
        return true;
    } catch (const std::invalid_argument& e) {
        spdlog::warn("watch {}: dropping the stream at a malformed frame: {}", resource_path(resource_), e.what());
        fault = StreamFault::Malformed;
        return false;
    }
}

void WatchClient::ended(StreamFault fault, const std::string& detail) {
    ++ended_[static_cast<std::size_t>(fault)];
    const auto resume = last_event_id_.load();
    spdlog::info("watch {}: stream ended ({}{}{}); {}", resource_path(resource_), stream_fault_name(fault),
                 detail.empty() ? "" : ": ", detail,
                 resume > 0 ? "resuming after event " + std::to_string(resume) : std::string("listing again"));
}

void WatchClient::sleep(std::chrono::milliseconds delay, const std::atomic<bool>& stop) const {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(20), until - std::chrono::steady_clock::now()));
    }
}

void WatchClient::run(const std::atomic<bool>& stop) {
    const std::string path = std::string(kApiPrefix) + resource_path(resource_) + "?watch=true";
    int attempt = 0;  // failures since the last connection that opened
    // While the API server is away every attempt fails the same way: say so on the 1st, 2nd,
    // 4th, 8th… failure in a row, and at debug level in between.
    const auto report = [&](const std::string& what) {
        const int n = attempt + 1;
        const auto level = (n & (n - 1)) == 0 ? spdlog::level::warn : spdlog::level::debug;
        spdlog::log(level, "watch {}: {} ({} in a row)", resource_path(resource_), what, n);
    };
    while (!stop.load()) {
        std::string token;
        try {
            token = token_();
        } catch (const std::exception& e) {
            report(std::string("no service token: ") + e.what());
            sleep(backoff_delay(attempt++, options_.backoff_initial, options_.backoff_max, options_.random()), stop);
            continue;
        }
        client::Headers headers = {{"Authorization", "Bearer " + token}, {"Accept", "text/event-stream"}};
        const auto resume = last_event_id_.load();
        if (resume > 0) headers.emplace_back("Last-Event-ID", std::to_string(resume));

        bool opened = false;
        bool dropped = false;  // by us: a callback said stop
        std::optional<StreamFault> fault;
        client::SseParser parser(
            [&](const client::SseEvent& e) { return on_frame(e.event, e.data, e.id, token, fault); });
        const std::function<bool(const client::HttpResponse&)> on_open = [&](const client::HttpResponse&) {
            opened = true;
            stream_open_ = true;
            ++connections_;
            if (resume > 0) ++resumed_;
            attempt = 0;
            // Without a resume point the stream starts at the current end: list now, so
            // nothing committed before the stream opened is missed.
            dropped = !(resume > 0 || list_all(token));
            return !dropped;
        };
        const std::function<bool(std::string_view)> on_data = [&](std::string_view bytes) {
            try {
                dropped = !parser.feed(bytes);
                return !dropped;
            } catch (const std::exception& e) {  // an oversized frame
                spdlog::warn("watch {}: {}", resource_path(resource_), e.what());
                fault = StreamFault::Malformed;
                return false;
            }
        };
        std::string detail;
        try {
            const auto response = api_.stream(path, headers, on_data, &stop, options_.idle_timeout, on_open);
            if (response.status != 0 && (response.status < 200 || response.status >= 300)) {
                report("status " + std::to_string(response.status));
            }
            // A watch has no end: one the server closed (a restart, a drained replica, an
            // expired token) is resumed like a broken one.
            if (opened && !dropped && !stop.load()) {
                fault = StreamFault::Closed;
            }
        } catch (const client::StreamStalled& e) {
            fault = StreamFault::Stalled;
            detail = e.what();
        } catch (const std::exception& e) {
            if (opened) {
                fault = StreamFault::Broken;
                detail = e.what();
            } else {
                report(e.what());
            }
        }
        stream_open_ = false;
        if (fault && !stop.load()) ended(*fault, detail);
        if (stop.load()) break;
        sleep(backoff_delay(attempt++, options_.backoff_initial, options_.backoff_max, options_.random()), stop);
    }
}

}  // namespace ambient::controlplane
