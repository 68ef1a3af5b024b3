// The watch fan-out: one read of new events wakes only the watches and follows they concern;
// memory hands out what a watch may see, never a project's predecessor's events, and never a
// deleted object's fields to a stream replaying them.
#include "api/streams/event_log.hpp"

#include <utility>  // before Asio (Boost 1.74)

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include "api/authz/access.hpp"
#include "api/builtin_roles.hpp"
#include "api/repository.hpp"
#include "api/resources/resources.hpp"
#include "api/resources/sessions.hpp"
#include "api/schema_migrations.hpp"
#include "api/store/migrations.hpp"
#include "common/ksuid.hpp"
#include "support/server_process.hpp"

namespace ambient::api::streams {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(EventSources, TheFanOutNamesTheKindsAsTheirSchemasDo) {
    EXPECT_EQ(kProjectsSource, project_schema().source);
    EXPECT_EQ(kSessionsSource, session_schema().source);
    EXPECT_EQ(kRoleBindingsSource, role_binding_schema().source);
}

Principal service() {
    return {.kind = Principal::Kind::Service, .username = "svc"};
}

class EventLogTest : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = store::open_sqlite(dir_.path().string());
        store::apply_migrations(*db_, schema_migrations());
        io_thread_ = std::thread([this] { ioc_.run(); });
    }
    void TearDown() override {
        log_.reset();
        pool_.stop();
        pool_.join();
        work_.reset();
        io_thread_.join();
    }

    EventLog& log(EventLogOptions options = {}) {
        if (!log_) log_ = std::make_unique<EventLog>(*db_, pool_, options);
        return *log_;
    }

    // Writes in one transaction, then tells the log, as a handler does after its commit.
    template <typename Fn>
    void write(Fn fn) {
        {
            auto lease = db_->acquire();
            store::Transaction tx(lease, store::TxMode::Write);
            fn(*lease);
            tx.commit();
        }
        log().on_notify();
    }
    void create_project(const std::string& name) {
        write([&](store::Connection& c) { repo::insert(c, project_schema(), {{"id", name}, {"name", name}}); });
    }
    std::string create_session(const std::string& project, const std::string& name) {
        const auto id = new_ksuid();
        write([&](store::Connection& c) {
            repo::insert(c, session_schema(),
                         {{"id", id},
                          {"name", name},
                          {"project_id", project},
                          {"kube_cr_name", kube_cr_name_for(id)},
                          {"prompt", std::string("prompt of ") + name}});
        });
        return id;
    }
    void remove(const model::KindSchema& schema, const std::string& id) {
        write([&](store::Connection& c) { repo::remove(c, schema, id); });
    }

    std::shared_ptr<Wakeup> wakeup() { return std::make_shared<Wakeup>(strand_); }
    // True when `w` is woken within `deadline`.
    bool woken(const std::shared_ptr<Wakeup>& w, std::chrono::milliseconds deadline) {
        auto f = net::co_spawn(strand_, w->wait_until(Clock::now() + deadline), net::use_future);
        return f.get();
    }
    // Waits until the log has read up to the table's newest event.
    void settle() {
        std::int64_t newest = 0;
        {
            auto lease = db_->acquire();
            newest = newest_event_id(*lease);
        }
        const auto until = Clock::now() + 5s;
        while (log().head() < newest && Clock::now() < until)
            std::this_thread::sleep_for(2ms);
        ASSERT_GE(log().head(), newest);
    }
    static std::string text_of(const EventLog::Batch& batch) {
        std::string all;
        for (const auto& f : batch.frames)
            all += *f;
        return all;
    }

    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    net::thread_pool pool_{2};
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    net::strand<net::io_context::executor_type> strand_{ioc_.get_executor()};
    std::thread io_thread_;
    std::unique_ptr<EventLog> log_;
};

TEST_F(EventLogTest, AChangeWakesOnlyTheWatchesItConcerns) {
    create_project("p1");
    create_project("p2");
    settle();
    auto in_p1 = wakeup();
    auto in_p2 = wakeup();
    auto projects = wakeup();
    const auto opened = log().head();
    auto w1 = log().watch(std::string(kSessionsSource), "p1", authz::EventVisibility::of(service(), "sessions"), in_p1);
    auto w2 = log().watch(std::string(kSessionsSource), "p2", authz::EventVisibility::of(service(), "sessions"), in_p2);
    auto w3 =
        log().watch(std::string(kProjectsSource), "", authz::EventVisibility::of(service(), "projects"), projects);

    create_session("p1", "first");
    EXPECT_TRUE(woken(in_p1, 5s));
    EXPECT_FALSE(woken(in_p2, 200ms));
    EXPECT_FALSE(woken(projects, 50ms));
    const auto batch = w1->take(opened, opened);
    ASSERT_FALSE(batch.behind);
    ASSERT_EQ(batch.frames.size(), 1u);
    EXPECT_NE(batch.frames[0]->find("\"name\":\"first\""), std::string::npos);
    EXPECT_TRUE(w2->take(opened, opened).frames.empty());
}

TEST_F(EventLogTest, AWatchSeesOnlyWhatItsCallerMaySee) {
    create_project("mine");
    create_project("theirs");
    Principal user{.kind = Principal::Kind::User, .username = "u"};
    user.access = std::make_shared<const authz::Access>(
        std::vector<authz::Binding>{{"b", "project:viewer", {"session:read"}, "project", "mine", "", "", ""}});
    auto w = wakeup();
    const auto opened = log().head();
    auto watch = log().watch(std::string(kSessionsSource), "", authz::EventVisibility::of(user, "sessions"), w);
    create_session("theirs", "hidden");
    EXPECT_FALSE(woken(w, 300ms));
    create_session("mine", "shown");
    EXPECT_TRUE(woken(w, 5s));
    const auto all = text_of(watch->take(opened, opened));
    EXPECT_NE(all.find("shown"), std::string::npos);
    EXPECT_EQ(all.find("hidden"), std::string::npos);
}

TEST_F(EventLogTest, APredecessorProjectsEventsAreNeverHandedOut) {
    log();  // from an empty table
    create_project("reused");
    const auto old_session = create_session("reused", "old-secret");
    remove(session_schema(), old_session);
    write([](store::Connection& c) { repo::remove(c, project_schema(), "reused"); });
    write([](store::Connection& c) {
        c.exec("DELETE FROM projects WHERE id = 'reused'");
        repo::insert(c, project_schema(), {{"id", std::string("reused")}, {"name", std::string("reused")}});
    });
    create_session("reused", "new-one");
    settle();
    auto watch =
        log().watch(std::string(kSessionsSource), "", authz::EventVisibility::of(service(), "sessions"), wakeup());
    const auto all = text_of(watch->take(0, log().head()));
    EXPECT_NE(all.find("new-one"), std::string::npos);
    EXPECT_EQ(all.find(old_session), std::string::npos) << all;
}

TEST_F(EventLogTest, ReplaysSkipADeletedObjectsEventsButOpenStreamsGetThem) {
    create_project("p");
    const auto before = log().head();
    auto w = wakeup();
    auto open_watch =
        log().watch(std::string(kSessionsSource), "", authz::EventVisibility::of(service(), "sessions"), w);
    const auto id = create_session("p", "short-lived");
    EXPECT_TRUE(woken(w, 5s));
    remove(session_schema(), id);
    settle();
    // Open since before the create: everything, as it came.
    const auto live = text_of(open_watch->take(before, before));
    EXPECT_NE(live.find("short-lived"), std::string::npos);
    EXPECT_NE(live.find("DELETED"), std::string::npos);
    // Opened after the delete and replaying from before: the delete only.
    const auto replay = text_of(open_watch->take(before, log().head()));
    EXPECT_EQ(replay.find("short-lived"), std::string::npos);
    EXPECT_NE(replay.find("DELETED"), std::string::npos);
}

TEST_F(EventLogTest, FollowsAreToldOfBindingAndSessionChanges) {
    create_project("p");
    const auto session = create_session("p", "s");
    settle();
    auto user_wake = wakeup();
    auto runner_wake = wakeup();
    auto user = log().follow({.username = "u", .session_id = session}, user_wake);
    auto runner = log().follow({.session_id = session, .session_phase = true}, runner_wake);

    write([&](store::Connection& c) {
        repo::insert(c, role_binding_schema(),
                     {{"role_id", builtin_role_id("project:viewer")},
                      {"scope", std::string("project")},
                      {"project_id", std::string("p")},
                      {"user_id", std::string("u")}});
    });
    EXPECT_TRUE(woken(user_wake, 5s));
    EXPECT_TRUE(user->recheck_due());
    EXPECT_FALSE(user->recheck_due());  // once
    EXPECT_FALSE(runner->recheck_due());

    // A phase change concerns the runner, not the user; a delete both.
    write([&](store::Connection& c) {
        repo::update(c, session_schema(), session, {{"phase", std::string("Stopping")}});
    });
    EXPECT_TRUE(woken(runner_wake, 5s));
    EXPECT_TRUE(runner->recheck_due());
    EXPECT_FALSE(user->recheck_due());
    remove(session_schema(), session);
    EXPECT_TRUE(woken(user_wake, 5s));
    EXPECT_TRUE(user->recheck_due());
}

TEST_F(EventLogTest, AStreamOlderThanMemoryIsToldToReadTheTable) {
    log({.max_events = 3});
    create_project("p");
    for (int i = 0; i < 5; ++i)
        create_session("p", "s" + std::to_string(i));
    settle();
    auto watch =
        log().watch(std::string(kSessionsSource), "", authz::EventVisibility::of(service(), "sessions"), wakeup());
    const auto old = watch->take(0, log().head());
    EXPECT_TRUE(old.behind);
    EXPECT_GT(old.floor, 0);
    const auto recent = watch->take(old.floor, log().head());
    EXPECT_FALSE(recent.behind);
    EXPECT_EQ(recent.frames.size(), 3u);
}

TEST_F(EventLogTest, MemoryNotYetAtTheOpeningPointSendsTheStreamToTheTable) {
    log();  // from an empty table
    create_project("p");
    settle();
    auto watch =
        log().watch(std::string(kSessionsSource), "", authz::EventVisibility::of(service(), "sessions"), wakeup());
    EXPECT_TRUE(watch->take(0, log().head() + 1).behind);
    EXPECT_FALSE(watch->take(0, log().head()).behind);
}

}  // namespace
}  // namespace ambient::api::streams
