#include "controlplane/watch_client.hpp"

#include <algorithm>
#include <charconv>
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

std::optional<WatchEventType> frame_type(const std::string& type) {
    if (type == "CREATED") return WatchEventType::Added;
    if (type == "UPDATED") return WatchEventType::Modified;
    if (type == "DELETED") return WatchEventType::Deleted;
    return std::nullopt;
}

std::int64_t parse_id(const std::string& text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0) return 0;
    return value;
}

double default_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

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
                           const std::string& token) {
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
        const auto frame = nlohmann::json::parse(data);
        const auto type = frame_type(frame.at("type").get<std::string>());
        const auto event_id = parse_id(id);
        if (!type || event_id == 0) throw std::invalid_argument("unknown type or no event id");
        WatchEvent event{resource_, *type, frame.at("resource_id").get<std::string>(), nullptr, event_id, {}};
        if (*type != WatchEventType::Deleted) event.object = frame.at("object");
        last_event_id_ = event_id;
        queue_.push(std::move(event));
        return true;
    } catch (const std::exception& e) {
        spdlog::warn("watch {}: dropping the stream at a malformed frame: {}", resource_path(resource_), e.what());
        return false;
    }
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

        client::SseParser parser([&](const client::SseEvent& e) { return on_frame(e.event, e.data, e.id, token); });
        const std::function<bool(const client::HttpResponse&)> on_open = [&](const client::HttpResponse&) {
            ++connections_;
            attempt = 0;
            // Without a resume point the stream starts at the current end: list now, so
            // nothing committed before the stream opened is missed.
            return resume > 0 || list_all(token);
        };
        const std::function<bool(std::string_view)> on_data = [&](std::string_view bytes) {
            try {
                return parser.feed(bytes);
            } catch (const std::exception& e) {  // an oversized frame
                spdlog::warn("watch {}: {}", resource_path(resource_), e.what());
                return false;
            }
        };
        try {
            const auto response = api_.stream(path, headers, on_data, &stop, options_.idle_timeout, on_open);
            if (response.status != 0 && (response.status < 200 || response.status >= 300)) {
                report("status " + std::to_string(response.status));
            }
        } catch (const std::exception& e) {
            report(e.what());
        }
        if (stop.load()) break;
        sleep(backoff_delay(attempt++, options_.backoff_initial, options_.backoff_max, options_.random()), stop);
    }
}

}  // namespace ambient::controlplane
