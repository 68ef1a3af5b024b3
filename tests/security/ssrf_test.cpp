// Issue 9, item 1: server-side request forgery through runner_url. A project owner wrote
// runner_url = http://127.0.0.1:<port>/<path>?x= with PATCH /sessions/{id}/status, and
// GET /sessions/{id}/events then fetched that URL and relayed the answer. Status is now the
// control plane's to write, runner_url must be an origin, and the proxy builds its request
// from the origin alone, never towards a link-local or metadata address.
#include <mutex>
#include <vector>

#include "common/http/server.hpp"
#include "security/bindings.hpp"

namespace ambient::testing {
namespace {

using nlohmann::json;

// An internal service on loopback that records every request target it is sent.
class InternalService {
public:
    InternalService() {
        http::ServerOptions options;
        options.port = 0;
        options.worker_threads = 1;
        http::ServerHooks hooks;
        hooks.before = [this](http::Request& req, const http::Route*) -> std::optional<http::Response> {
            std::lock_guard lock(mutex_);
            targets_.push_back(req.target);
            return http::Response::text(200, "internal secret\n", "text/event-stream");
        };
        server_ = std::make_unique<http::Server>(options, router_, hooks);
        server_->start();
    }
    ~InternalService() { server_->stop(); }

    std::string origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
    std::vector<std::string> targets() const {
        std::lock_guard lock(mutex_);
        return targets_;
    }

private:
    http::Router router_;
    std::unique_ptr<http::Server> server_;
    mutable std::mutex mutex_;
    std::vector<std::string> targets_;
};

class Ssrf : public SecurityTest {
protected:
    void SetUp() override {
        SecurityTest::SetUp();
        user_creates_project("alice", "alice-proj");
        auto r = as("alice").post(api_path("/sessions"), json{{"name", "s"}, {"project_id", "alice-proj"}}.dump());
        ASSERT_EQ(r.status, 201) << r.body;
        id_ = r.json()["id"];
    }
    std::string status_path() const { return api_path("/sessions/" + id_ + "/status"); }
    std::string events_path() const { return api_path("/sessions/" + id_ + "/events"); }
    HttpResult write_runner_url(HttpClient& client, const std::string& url) {
        return client.patch(status_path(), json{{"runner_url", url}}.dump());
    }
    std::string id_;
};

// The attack as the probe ran it, then the same write by every kind of user.
TEST_P(Ssrf, UsersCannotWriteStatusNotEvenAdmins) {
    InternalService internal;
    const auto url = internal.origin() + "/metrics?x=";
    auto alice = as("alice");
    auto r = write_runner_url(alice, url);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.json()["code"], "ambient-api-server-4");
    EXPECT_EQ(alice.patch(status_path(), R"({"phase":"Running"})").status, 403);

    auto stranger = as("mallory");
    EXPECT_EQ(write_runner_url(stranger, url).status, 403);  // a write: refused, not hidden

    bind_role(admin(), "root", "platform:admin", "global");
    auto root = as("root");
    EXPECT_EQ(write_runner_url(root, internal.origin()).status, 403);
    // Nor may they mint runner tokens, the other control-plane write.
    EXPECT_EQ(root.post(api_path("/sessions/" + id_ + "/runner_token"), "").status, 403);
    EXPECT_EQ(alice.post(api_path("/sessions/" + id_ + "/runner_token"), "").status, 403);
    const auto batch = json{{"session_ids", {id_}}}.dump();
    EXPECT_EQ(root.post(api_path("/runner_tokens"), batch).status, 403);
    r = alice.post(api_path("/runner_tokens"), batch);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.body.find("eyJ"), std::string::npos);  // no token in the refusal
    EXPECT_EQ(stranger.post(api_path("/runner_tokens"), batch).status, 403);

    EXPECT_EQ(alice.get(events_path()).status, 502);  // no runner_url was stored
    EXPECT_TRUE(internal.targets().empty());
}

// Even the control plane writes only an origin, and never a metadata address.
TEST_P(Ssrf, RunnerUrlMustBeAnOriginAwayFromMetadata) {
    InternalService internal;
    const auto origin = internal.origin();
    const std::vector<std::string> refused = {origin + "/metrics?x=",
                                              origin + "/events",
                                              origin + "?x=1",
                                              origin + "#f",
                                              "http://user:pw@127.0.0.1:8001",
                                              "http://127.0.0.1",
                                              "ftp://127.0.0.1:21",
                                              "https://127.0.0.1:8443/metrics?x=",
                                              "https://user:pw@127.0.0.1:8443",
                                              "https://127.0.0.1",
                                              "http://169.254.169.254:80",
                                              "https://169.254.169.254:443",
                                              "https://[fd00:ec2::254]:443",
                                              "https://2852039166:443",
                                              "http://[fd00:ec2::254]:80",
                                              "http://[::ffff:169.254.169.254]:80",
                                              "http://[fe80::1]:80",
                                              "http://2852039166:80"};
    for (const auto& bad : refused) {
        auto r = write_runner_url(admin(), bad);
        EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    }
    EXPECT_EQ(write_runner_url(admin(), origin + "/").status, 200);
    EXPECT_EQ(write_runner_url(admin(), origin).status, 200);
    EXPECT_EQ(write_runner_url(admin(), "https://runner.example:8443").status, 200);
    EXPECT_EQ(write_runner_url(admin(), "").status, 200);  // cleared when the runner goes
}

// A runner_url stored before it was checked (or by hand) still chooses nothing: the proxy
// asks for /events/<id> of a usable origin, or refuses.
TEST_P(Ssrf, TheProxyBuildsItsRequestFromTheOriginAlone) {
    InternalService internal;
    for (const auto& stored : std::vector<std::string>{internal.origin() + "/metrics?x=", "http://2852039166:80",
                                                       "http://169.254.169.254:80", "https://169.254.169.254:443",
                                                       "https://2852039166:443"}) {
        run_sql(server(), "UPDATE sessions SET runner_url = ? WHERE id = ?", {stored, id_});
        auto r = as("alice").get(events_path());
        EXPECT_EQ(r.status, 502) << stored << ": " << r.body;
        EXPECT_EQ(r.body.find("internal secret"), std::string::npos);
    }
    EXPECT_TRUE(internal.targets().empty());

    ASSERT_EQ(write_runner_url(admin(), internal.origin()).status, 200);
    EXPECT_EQ(as("alice").get(events_path()).status, 200);
    EXPECT_EQ(internal.targets(), std::vector<std::string>{"/events/" + id_});
}

INSTANTIATE_TEST_SUITE_P(Backends, Ssrf, ::testing::Values(Backend::Sqlite, Backend::Postgres), backend_name);

}  // namespace
}  // namespace ambient::testing
