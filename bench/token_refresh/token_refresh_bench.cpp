// bench-token-refresh: the control plane's token refresh pass against a real API server.
//
//   1. Seeds SESSIONS live sessions (created, then started: Pending, with a run) spread over
//      PROJECTS projects, through the API, unless --no-seed.
//   2. Times, in mirrored order (baseline, one-by-one, batch, files, files, batch, one-by-one,
//      baseline, … REPEAT times each):
//        baseline     SESSIONS bare GETs of /api/ambient (the server's cheapest route) with
//                     libcurl multi, CONCURRENCY in flight, a new connection each (as our
//                     client makes one per request) — no code of ours on the client side;
//        one-by-one   TokenRefresher::refresh_pass() minting with POST /sessions/{id}/runner_token;
//        batch        the same with POST /runner_tokens (chunks of --batch-size, 1000);
//        files        the token files alone, written with the same bound (no HTTP).
//      The refresher writes every token with the real write_token_file() into a token file
//      per session under --dir, as the local runtime does.
//   3. Prints one line per measure and a RESULT line of JSON (medians in ms).
//
// Exit status 1 when a pass did not refresh every session or a baseline request failed.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/client/http_client.hpp"
#include "controlplane/api_client.hpp"
#include "controlplane/token_file.hpp"
#include "controlplane/token_refresher.hpp"

namespace {

using namespace ambient;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// Runners simulated: every session has one, whose token file is <dir>/<id>/token.
class FileRuntime : public controlplane::Runtime {
public:
    FileRuntime(std::filesystem::path dir, std::vector<std::string> ids) : dir_(std::move(dir)), ids_(std::move(ids)) {
        for (const auto& id : ids_)
            std::filesystem::create_directories(dir_ / id);
    }
    void set_listener(Listener) override {}
    std::vector<std::string> adopt() override { return {}; }
    bool has_runner(const std::string&) const override { return true; }
    std::size_t live_runners() const override { return ids_.size(); }
    std::vector<std::string> runner_ids() const override { return ids_; }
    void provision(const controlplane::ProvisionRequest&) override {}
    std::optional<std::string> ready_url(const std::string&) const override { return std::nullopt; }
    bool write_token(const std::string& id, const std::string& token) override {
        controlplane::write_token_file(dir_ / id / "token", token);
        return true;
    }
    void stop(const std::string&) override {}
    void remove(const std::string&) override {}

private:
    std::filesystem::path dir_;
    std::vector<std::string> ids_;
};

// Runs `count` jobs on `threads` threads.
void in_parallel(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& job) {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (auto i = next++; i < count; i = next++)
                job(i);
        });
    }
    for (auto& t : pool)
        t.join();
}

std::vector<std::string> seed(const client::HttpClient& http, const std::string& token, std::size_t sessions,
                              std::size_t projects) {
    const client::Headers headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    const std::string api = "/api/ambient/v1";
    for (std::size_t p = 0; p < projects; ++p) {
        const auto r = http.request("POST", api + "/projects",
                                    nlohmann::json{{"name", "bench-tokens-" + std::to_string(p)}}.dump(), headers);
        if (r.status != 201 && r.status != 409) throw std::runtime_error("create project: " + std::to_string(r.status));
    }
    std::vector<std::string> ids(sessions);
    std::atomic<bool> failed{false};
    in_parallel(sessions, 8, [&](std::size_t i) {
        if (failed) return;
        const nlohmann::json body = {{"name", "s" + std::to_string(i)},
                                     {"project_id", "bench-tokens-" + std::to_string(i % projects)}};
        auto r = http.request("POST", api + "/sessions", body.dump(), headers);
        if (r.status != 201) {
            std::cerr << "create session: " << r.status << " " << r.body.substr(0, 200) << "\n";
            failed = true;
            return;
        }
        ids[i] = nlohmann::json::parse(r.body).at("id").get<std::string>();
        r = http.request("POST", api + "/sessions/" + ids[i] + "/start", "", headers);
        if (r.status != 200) {
            std::cerr << "start session: " << r.status << " " << r.body.substr(0, 200) << "\n";
            failed = true;
        }
    });
    if (failed) throw std::runtime_error("seeding failed");
    return ids;
}

// The baseline: `count` GETs of `url`, `concurrency` in flight, a new connection each, with
// libcurl's multi interface alone. Returns the failures (non-200 or transport errors).
std::size_t bare_requests(const std::string& url, std::size_t count, std::size_t concurrency) {
    CURLM* multi = curl_multi_init();
    std::size_t started = 0;
    std::size_t failures = 0;
    auto add = [&] {
        CURL* easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(
            easy, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
        curl_multi_add_handle(multi, easy);
        ++started;
    };
    while (started < std::min(count, concurrency))
        add();
    int running = 0;
    do {
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result != CURLE_OK || status != 200) ++failures;
            curl_multi_remove_handle(multi, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
            if (started < count) add();
        }
        curl_multi_perform(multi, &running);
        if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    } while (running > 0 || started < count);
    curl_multi_cleanup(multi);
    return failures;
}

}  // namespace

int main(int argc, char** argv) {
    std::string url;
    std::string token;
    std::string dir;
    std::size_t sessions = 5000;
    std::size_t projects = 5;
    std::size_t concurrency = 32;
    std::size_t repeat = 3;
    std::size_t batch_size = controlplane::ApiClient::kMaxBatchMint;
    CLI::App cli{"bench-token-refresh: one refresh pass over many live sessions against a real API server"};
    cli.add_option("--url", url, "The API server's origin, http://127.0.0.1:PORT")->required();
    cli.add_option("--token", token, "A service token")->required();
    cli.add_option("--dir", dir, "Where the token files are written")->required();
    cli.add_option("--sessions", sessions)->capture_default_str();
    cli.add_option("--projects", projects)->capture_default_str();
    cli.add_option("--concurrency", concurrency)->capture_default_str();
    cli.add_option("--repeat", repeat, "Passes of each kind")->capture_default_str();
    cli.add_option("--batch-size", batch_size, "Sessions per batch request")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    const client::HttpClient http(url);
    const auto seed_start = Clock::now();
    std::vector<std::string> ids;
    try {
        ids = seed(http, token, sessions, projects);
    } catch (const std::exception& e) {
        std::cerr << "ERROR: " << e.what() << "\n";
        return 1;
    }
    std::printf("seeded %zu live sessions in %zu projects in %.1f s\n", ids.size(), projects,
                ms_since(seed_start) / 1000);

    FileRuntime runtime(dir, ids);
    const controlplane::ApiClient api(http, [&token] { return token; });
    const controlplane::TokenMintApi one_by_one{
        .mint = [&api](const std::string& id) { return api.mint_runner_token(id); }, .mint_batch = {}};
    const controlplane::TokenMintApi batched{
        .mint = one_by_one.mint,
        .mint_batch = [&api](const std::vector<std::string>& chunk) { return api.mint_runner_tokens(chunk); }};
    const controlplane::TokenRefresherOptions options{
        .interval = std::chrono::minutes(4), .concurrency = concurrency, .retry_after = {}, .batch_size = batch_size};

    std::vector<double> baseline_ms, single_ms, batch_ms, files_ms;
    bool ok = true;
    auto run_baseline = [&] {
        const auto start = Clock::now();
        const auto failures = bare_requests(url + "/api/ambient", ids.size(), concurrency);
        baseline_ms.push_back(ms_since(start));
        std::printf("  baseline: %zu bare GETs in %.0f ms (%zu failed)\n", ids.size(), baseline_ms.back(), failures);
        if (failures > 0) ok = false;
    };
    auto run_pass = [&](const controlplane::TokenMintApi& mints, std::vector<double>& into, const char* name) {
        controlplane::TokenRefresher refresher(runtime, mints, options);
        const auto stats = refresher.refresh_pass();
        into.push_back(static_cast<double>(stats.duration.count()) / 1000);
        std::printf("  %s pass: %zu refreshed, %zu failed, %zu not live in %.0f ms\n", name, stats.refreshed,
                    stats.failed, stats.not_live, into.back());
        if (stats.refreshed != ids.size()) ok = false;
    };
    // The token files alone, with the same bound: the part of a pass that is not HTTP.
    auto run_files = [&] {
        const auto start = Clock::now();
        in_parallel(ids.size(), concurrency, [&](std::size_t i) { runtime.write_token(ids[i], "x"); });
        files_ms.push_back(ms_since(start));
        std::printf("  files: %zu token files written in %.0f ms\n", ids.size(), files_ms.back());
    };
    for (std::size_t r = 0; r < repeat; ++r) {
        // Mirrored: a drift of the machine's load favours no measure.
        if (r % 2 == 0) {
            run_baseline();
            run_pass(one_by_one, single_ms, "one-by-one");
            run_pass(batched, batch_ms, "batch");
            run_files();
        } else {
            run_files();
            run_pass(batched, batch_ms, "batch");
            run_pass(one_by_one, single_ms, "one-by-one");
            run_baseline();
        }
    }
    const nlohmann::json result = {{"sessions", ids.size()},
                                   {"concurrency", concurrency},
                                   {"baseline_ms", median(baseline_ms)},
                                   {"one_by_one_ms", median(single_ms)},
                                   {"batch_ms", median(batch_ms)},
                                   {"files_ms", median(files_ms)},
                                   {"ok", ok}};
    std::printf("RESULT %s\n", result.dump().c_str());
    curl_global_cleanup();
    return ok ? 0 : 1;
}
