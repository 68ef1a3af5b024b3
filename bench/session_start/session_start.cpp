// bench-session-start: times POST /sessions/{id}/start to the first AG-UI event read through
// the API server's events proxy (GET /api/ambient/v1/sessions/{id}/events), for COUNT
// sessions one after another, with a control plane running the sessions' runners. Each
// session carries a prompt, so its runner runs a first turn as soon as it is up, and the
// events are read with Last-Event-ID: 0 (the runner replays its ring), so an event emitted
// before the proxy connected is still counted at the time it is read.
//
// Until the control plane has written the runner's location the proxy answers 502: the read
// is retried every millisecond, which adds at most that much to a start.
//
// Prints one line per start, then `RESULT p50_ms=… p90_ms=… p99_ms=… max_ms=… count=…`.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ambient::client::HttpClient;
using nlohmann::json;

constexpr const char* kApi = "/api/ambient/v1";

json call(const HttpClient& api, const std::string& token, const char* method, const std::string& path,
          const json& body, int expected) {
    const auto r = api.request(method, kApi + path, body.is_null() ? "" : body.dump(),
                               {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
    if (r.status != expected) {
        throw std::runtime_error(std::string(method) + " " + path + " answered " + std::to_string(r.status) + ": " +
                                 r.body.substr(0, 200));
    }
    return r.body.empty() ? json() : json::parse(r.body);
}

// Reads the session's events through the proxy until the first event; false on a non-2xx.
bool first_event(const HttpClient& api, const std::string& token, const std::string& id) {
    bool seen = false;
    const auto r = api.stream(
        std::string(kApi) + "/sessions/" + id + "/events",
        {{"Authorization", "Bearer " + token}, {"Last-Event-ID", "0"}},
        [&seen](std::string_view data) {
            // An event is a frame with a data line; comments (": ping") are not events.
            if (data.find("data:") != std::string_view::npos) seen = true;
            return !seen;
        },
        nullptr, std::chrono::seconds(10));
    return seen && r.status / 100 == 2;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    std::string url;
    std::string token;
    std::string project = "bench-session-start";
    int count = 50;
    CLI::App app{"time POST /start to the first AG-UI event through the API server's proxy"};
    app.add_option("--api", url, "the API server's origin")->required();
    app.add_option("--token", token, "a service token")->required();
    app.add_option("--project", project, "the project (created when missing)");
    app.add_option("--count", count, "sessions started, one after another")->check(CLI::Range(1, 100000));
    CLI11_PARSE(app, argc, argv);

    try {
        const HttpClient api(url);
        if (api.request("GET", std::string(kApi) + "/projects/" + project, {}, {{"Authorization", "Bearer " + token}})
                .status == 404) {
            call(api, token, "POST", "/projects", {{"name", project}}, 201);
        }
        std::vector<double> ms;
        for (int i = 0; i < count; ++i) {
            const auto session = call(api, token, "POST", "/sessions",
                                      {{"name", "start-" + std::to_string(i)},
                                       {"project_id", project},
                                       {"prompt", "hello"},
                                       {"environment_variables", R"({"RUNNER_TYPE":"echo"})"}},
                                      201);
            const auto id = session.at("id").get<std::string>();
            const auto t0 = Clock::now();
            call(api, token, "POST", "/sessions/" + id + "/start", nullptr, 200);
            while (!first_event(api, token, id)) {
                if (Clock::now() - t0 > std::chrono::seconds(30)) throw std::runtime_error("no event within 30 s");
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            std::printf("start %d: %.1f ms\n", i, ms.back());
            // Stopped and deleted untimed, so that runners do not pile up across the run.
            call(api, token, "POST", "/sessions/" + id + "/stop", nullptr, 200);
            call(api, token, "DELETE", "/sessions/" + id, nullptr, 204);
        }
        std::printf("RESULT p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f count=%zu\n", percentile(ms, 0.5),
                    percentile(ms, 0.9), percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()), ms.size());
    } catch (const std::exception& e) {
        std::cerr << "bench-session-start: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
