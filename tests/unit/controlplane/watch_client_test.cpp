#include "controlplane/watch_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "support/stalling_sse_server.hpp"

namespace ambient::controlplane {
namespace {

using nlohmann::json;

std::string frame(std::int64_t id, const std::string& type, const std::string& resource_id) {
    json data = {{"type", type}, {"resource_id", resource_id}};
    if (type != "DELETED") data["object"] = {{"id", resource_id}, {"phase", "Pending"}, {"event", id}};
    return "id: " + std::to_string(id) + "\ndata: " + data.dump() + "\n\n";
}

const std::string kResync = "event: RESYNC\ndata: {\"type\":\"RESYNC\"}\n\n";

// A fake of the API server's sessions collection (a real HTTP server on 127.0.0.1): a list
// of fixed items, paginated as the API server does, and a watch stream that plays one
// scripted body per connection and then ends it, or (for the connections in `stalls`) goes
// silent without closing. Connections past the script get 503.
class FakeSessionsApi {
public:
    FakeSessionsApi(std::vector<std::string> items, std::vector<std::string> script, int failing_lists = 0,
                    std::set<std::size_t> stalls = {})
        : items_(std::move(items)),
          script_(std::move(script)),
          failing_lists_(failing_lists),
          stalls_(std::move(stalls)) {
        router_.add({"GET", "/api/ambient/v1/sessions", [this](http::Request& req) { return handle(req); }, true});
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::Server>(options, router_);
        server_->start();
    }
    ~FakeSessionsApi() { server_->stop(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

    std::vector<std::string> watch_resume_ids() {
        std::lock_guard lock(mutex_);
        return resume_ids_;
    }
    int list_calls() {
        std::lock_guard lock(mutex_);
        return list_calls_;
    }
    std::vector<std::string> authorizations() {
        std::lock_guard lock(mutex_);
        return authorizations_;
    }

private:
    http::Response handle(http::Request& req) {
        std::lock_guard lock(mutex_);
        authorizations_.emplace_back(req.header("Authorization").value_or(""));
        if (req.query_param("watch").value_or("") == "true") {
            resume_ids_.emplace_back(req.header("Last-Event-ID").value_or(""));
            const auto n = resume_ids_.size() - 1;
            if (n >= script_.size()) return http::Response::json(503, "{}");
            http::Response r;
            r.set_header("Content-Type", "text/event-stream");
            if (stalls_.contains(n)) {
                r.stream = [body = script_[n]](http::StreamWriter& w) { return testing::write_then_stall(w, body); };
                return r;
            }
            r.stream = [body = script_[n]](http::StreamWriter& w) -> boost::asio::awaitable<void> {
                if (!body.empty()) co_await w.write(body);
            };
            return r;
        }
        ++list_calls_;
        if (list_calls_ <= failing_lists_) return http::Response::json(500, "{}");
        const auto page = std::stoul(std::string(req.query_param("page").value_or("1")));
        const auto size = std::stoul(std::string(req.query_param("size").value_or("100")));
        json items = json::array();
        for (std::size_t i = (page - 1) * size; i < items_.size() && i < page * size; ++i)
            items.push_back({{"id", items_[i]}, {"phase", "Running"}});
        return http::Response::json(200, json{{"kind", "SessionList"},
                                              {"page", page},
                                              {"size", items.size()},
                                              {"total", items_.size()},
                                              {"items", items}}
                                             .dump());
    }

    std::vector<std::string> items_;
    std::vector<std::string> script_;
    int failing_lists_ = 0;
    std::set<std::size_t> stalls_;
    http::Router router_;
    std::unique_ptr<http::Server> server_;
    std::mutex mutex_;
    std::vector<std::string> resume_ids_;
    std::vector<std::string> authorizations_;
    int list_calls_ = 0;
};

// Runs a watch client on a thread for the length of a test.
class Watching {
public:
    explicit Watching(const FakeSessionsApi& api, std::chrono::milliseconds idle_timeout = std::chrono::seconds(5))
        : client_(api.url()),
          watch_(
              client_, Resource::Sessions, [] { return std::string("service-token"); }, queue_,
              WatchOptions{.backoff_initial = std::chrono::milliseconds(5),
                           .backoff_max = std::chrono::milliseconds(20),
                           .idle_timeout = idle_timeout,
                           .page_size = 2,
                           .random = [] { return 0.5; }}),
          thread_([this] { watch_.run(stop_); }) {}
    ~Watching() {
        stop_ = true;
        thread_.join();
    }

    // The next `n` events, each as "TYPE id@event" (Synced: "SYNCED a,b,c").
    std::vector<std::string> next(std::size_t n) {
        std::vector<std::string> out;
        while (out.size() < n) {
            auto e = queue_.pop(std::chrono::seconds(5));
            if (!e) break;
            std::string text = std::string(event_type_name(e->type)) + " ";
            if (e->type == WatchEventType::Synced) {
                for (std::size_t i = 0; i < e->listed_ids.size(); ++i)
                    text += (i ? "," : "") + e->listed_ids[i];
            } else {
                text += e->id + "@" + std::to_string(e->event_id);
                if (e->type != WatchEventType::Deleted) {
                    EXPECT_EQ(e->object.value("id", ""), e->id);
                }
            }
            out.push_back(text);
        }
        return out;
    }
    const WatchClient& client() const { return watch_; }
    std::size_t pending() const { return queue_.size(); }

private:
    client::HttpClient client_;
    EventQueue queue_;
    std::atomic<bool> stop_{false};
    WatchClient watch_;
    std::thread thread_;
};

using Events = std::vector<std::string>;

TEST(WatchClient, ListsOnceTheStreamIsOpenThenDeliversItsFrames) {
    FakeSessionsApi api({"a", "b", "c"},
                        {frame(5, "UPDATED", "a") + frame(6, "DELETED", "b"), frame(7, "CREATED", "d")});
    Watching w(api);
    EXPECT_EQ(w.next(7), (Events{"ADDED a@0", "ADDED b@0", "ADDED c@0", "SYNCED a,b,c", "MODIFIED a@5", "DELETED b@6",
                                 "ADDED d@7"}));
    EXPECT_EQ(w.client().lists(), 1u);
    EXPECT_EQ(w.client().last_event_id(), 7);
    auto resumes = api.watch_resume_ids();
    for (int i = 0; i < 500 && resumes.size() < 3; ++i) {  // the third connection follows the second's end
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        resumes = api.watch_resume_ids();
    }
    ASSERT_GE(resumes.size(), 3u);
    EXPECT_EQ(resumes[0], "");
    EXPECT_EQ(resumes[1], "6");  // resumed where the dropped stream stopped
    EXPECT_EQ(resumes[2], "7");
    for (const auto& a : api.authorizations()) {
        EXPECT_EQ(a, "Bearer service-token");
    }
}

TEST(WatchClient, ResyncListsAgainAndTheStreamGoesOn) {
    FakeSessionsApi api({"a", "c"}, {frame(5, "UPDATED", "a") + kResync + frame(9, "UPDATED", "c")});
    Watching w(api);
    EXPECT_EQ(w.next(8), (Events{"ADDED a@0", "ADDED c@0", "SYNCED a,c", "MODIFIED a@5", "ADDED a@0", "ADDED c@0",
                                 "SYNCED a,c", "MODIFIED c@9"}));
    EXPECT_EQ(w.client().lists(), 2u);
    EXPECT_EQ(w.client().last_event_id(), 9);
}

TEST(WatchClient, AFailedListQueuesNothingAndIsRetried) {
    FakeSessionsApi api({"a"}, {"", ""}, /*failing_lists=*/1);
    Watching w(api);
    EXPECT_EQ(w.next(2), (Events{"ADDED a@0", "SYNCED a"}));
    EXPECT_EQ(api.list_calls(), 2);
    EXPECT_EQ(w.client().lists(), 1u);
}

TEST(WatchClient, AMalformedFrameDropsTheStreamAndResumesBeforeIt) {
    FakeSessionsApi api({}, {frame(5, "UPDATED", "a") + "id: 6\ndata: not json\n\n", frame(7, "UPDATED", "a")});
    Watching w(api);
    EXPECT_EQ(w.next(3), (Events{"SYNCED ", "MODIFIED a@5", "MODIFIED a@7"}));
    const auto resumes = api.watch_resume_ids();
    ASSERT_GE(resumes.size(), 2u);
    EXPECT_EQ(resumes[1], "5");
}

TEST(WatchClient, AnErrorFrameDropsTheStreamAndResumesAfterTheLastChange) {
    // The server's database failed the stream: what follows the frame is not read, and the
    // next connection resumes from the last change without listing again.
    const std::string error = "event: ERROR\ndata: {\"type\":\"ERROR\",\"reason\":\"database unavailable\"}\n\n";
    FakeSessionsApi api({}, {frame(5, "UPDATED", "a") + error + frame(6, "UPDATED", "b"), frame(7, "UPDATED", "a")});
    Watching w(api);
    EXPECT_EQ(w.next(3), (Events{"SYNCED ", "MODIFIED a@5", "MODIFIED a@7"}));
    const auto resumes = api.watch_resume_ids();
    ASSERT_GE(resumes.size(), 2u);
    EXPECT_EQ(resumes[1], "5");
    EXPECT_EQ(w.client().lists(), 1u);
}

TEST(WatchClient, AStreamThatEndsBeforeAnyChangeListsAgain) {
    // Without an event id there is no resume point: the next connection must list.
    FakeSessionsApi api({"a"}, {"", frame(3, "UPDATED", "a")});
    Watching w(api);
    EXPECT_EQ(w.next(5), (Events{"ADDED a@0", "SYNCED a", "ADDED a@0", "SYNCED a", "MODIFIED a@3"}));
}

// Waits (bounded) until the fake has seen `n` watch connections.
std::vector<std::string> await_resumes(FakeSessionsApi& api, std::size_t n) {
    auto resumes = api.watch_resume_ids();
    for (int i = 0; i < 500 && resumes.size() < n; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        resumes = api.watch_resume_ids();
    }
    return resumes;
}

TEST(WatchClient, AStalledStreamIsDroppedAndResumedAfterItsLastEvent) {
    // The first stream delivers event 5, then stays open and silent: no event, no ping.
    FakeSessionsApi api({"a"}, {frame(5, "UPDATED", "a"), frame(6, "UPDATED", "a")}, 0, /*stalls=*/{0});
    const auto started = std::chrono::steady_clock::now();
    // A test-sized interval: a server pinging every 100 ms; silence for three of them.
    Watching w(api, std::chrono::milliseconds(300));
    EXPECT_EQ(w.next(4), (Events{"ADDED a@0", "SYNCED a", "MODIFIED a@5", "MODIFIED a@6"}));
    // Noticed within the idle timeout, plus libcurl's look at the clock (about a second at
    // worst) and a backoff of at most 25 ms.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    const auto resumes = await_resumes(api, 2);
    ASSERT_GE(resumes.size(), 2u);
    EXPECT_EQ(resumes[0], "");
    EXPECT_EQ(resumes[1], "5");
    EXPECT_EQ(w.client().lists(), 1u);  // resumed, not listed again
    EXPECT_EQ(w.client().streams_ended(StreamFault::Stalled), 1u);
    EXPECT_GE(w.client().streams_resumed(), 1u);
    EXPECT_EQ(w.pending(), 0u);  // nothing twice
}

TEST(WatchClient, AnErrorEventEndsTheStreamAndItIsResumedAfterTheLastEvent) {
    // What follows the error event on that connection is never read: it comes again, once,
    // on the resumed stream.
    FakeSessionsApi api(
        {"a"}, {frame(5, "UPDATED", "a") + "event: error\ndata: {\"reason\":\"the database is unavailable\"}\n\n" +
                    frame(6, "UPDATED", "a"),
                frame(6, "UPDATED", "a")});
    Watching w(api);
    EXPECT_EQ(w.next(4), (Events{"ADDED a@0", "SYNCED a", "MODIFIED a@5", "MODIFIED a@6"}));
    const auto resumes = await_resumes(api, 2);
    ASSERT_GE(resumes.size(), 2u);
    EXPECT_EQ(resumes[1], "5");
    EXPECT_EQ(w.client().streams_ended(StreamFault::ErrorEvent), 1u);
    EXPECT_EQ(w.client().streams_ended(StreamFault::Malformed), 0u);
}

TEST(WatchClient, AStreamTheServerClosesIsCountedAndResumed) {
    FakeSessionsApi api({}, {frame(5, "UPDATED", "a"), frame(6, "UPDATED", "a")});
    Watching w(api);
    EXPECT_EQ(w.next(3), (Events{"SYNCED ", "MODIFIED a@5", "MODIFIED a@6"}));
    await_resumes(api, 3);  // the second stream's end is counted before the third connection
    EXPECT_GE(w.client().streams_ended(StreamFault::Closed), 2u);
    EXPECT_GE(w.client().streams_resumed(), 1u);
    EXPECT_EQ(w.client().streams_ended(StreamFault::Stalled), 0u);
}

TEST(BackoffDelay, DoublesUpToTheCapWithJitter) {
    using ms = std::chrono::milliseconds;
    EXPECT_EQ(backoff_delay(0, ms(500), ms(30000), 0.5), ms(500));
    EXPECT_EQ(backoff_delay(1, ms(500), ms(30000), 0.5), ms(1000));
    EXPECT_EQ(backoff_delay(3, ms(500), ms(30000), 0.5), ms(4000));
    EXPECT_EQ(backoff_delay(10, ms(500), ms(30000), 0.5), ms(30000));
    EXPECT_EQ(backoff_delay(1000, ms(500), ms(30000), 0.5), ms(30000));
    EXPECT_EQ(backoff_delay(0, ms(1000), ms(30000), 0.0), ms(750));
    EXPECT_EQ(backoff_delay(0, ms(1000), ms(30000), 1.0), ms(1250));
}

}  // namespace
}  // namespace ambient::controlplane
