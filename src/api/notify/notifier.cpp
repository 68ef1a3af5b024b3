#include "api/notify/notifier.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <array>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/background_thread.hpp"
#include "api/store/postgres/pg_url.hpp"

namespace ambient::api {

namespace net = boost::asio;

namespace {

constexpr std::array<const char*, kChannelCount> kPgChannels = {"ambient_events", "ambient_messages"};
// How long the listener blocks in poll(): bounds how long the destructor waits for it.
constexpr int kPollMillis = 200;
constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

// One suspended wait(): its timer and the executor it must be touched on.
struct Waiter {
    std::weak_ptr<net::steady_timer> timer;
    net::any_io_executor executor;
};

}  // namespace

struct Notifier::Impl {
    std::array<std::atomic<std::uint64_t>, kChannelCount> generations{};

    std::mutex waiters_mutex;
    std::array<std::map<std::uint64_t, Waiter>, kChannelCount> waiters;
    std::uint64_t next_waiter_id = 0;

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stop = false;
    std::thread listener;

    std::uint64_t add_waiter(Channel channel, Waiter waiter) {
        std::lock_guard lock(waiters_mutex);
        const auto id = next_waiter_id++;
        waiters[static_cast<int>(channel)].emplace(id, std::move(waiter));
        return id;
    }

    void remove_waiter(Channel channel, std::uint64_t id) {
        std::lock_guard lock(waiters_mutex);
        waiters[static_cast<int>(channel)].erase(id);
    }

    // Sleeps up to `delay` unless stopped; returns false once stopped.
    bool sleep_unless_stopped(std::chrono::milliseconds delay) {
        std::unique_lock lock(stop_mutex);
        return !stop_cv.wait_for(lock, delay, [this] { return stop; });
    }

    bool stopped() {
        std::lock_guard lock(stop_mutex);
        return stop;
    }
};

Notifier::Notifier() : impl_(std::make_unique<Impl>()) {}

Notifier::~Notifier() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        impl_->stop = true;
    }
    impl_->stop_cv.notify_all();
    if (impl_->listener.joinable()) impl_->listener.join();
}

std::uint64_t Notifier::generation(Channel channel) const {
    return impl_->generations[static_cast<int>(channel)].load(std::memory_order_acquire);
}

void Notifier::notify(Channel channel) {
    // The increment comes before the waiters are read: a wait() that registered after this
    // lock sees the new generation in its own re-check, so no wake-up falls between the two.
    impl_->generations[static_cast<int>(channel)].fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard lock(impl_->waiters_mutex);
    for (const auto& [id, waiter] : impl_->waiters[static_cast<int>(channel)]) {
        // Timers are not thread-safe: touch each on its own executor. Moving the expiry into
        // the past (rather than cancel()) also wakes a wait that has not started yet.
        net::post(waiter.executor, [weak = waiter.timer] {
            if (auto timer = weak.lock()) timer->expires_at(net::steady_timer::time_point::min());
        });
    }
}

void Notifier::notify_all() {
    for (int c = 0; c < kChannelCount; ++c)
        notify(static_cast<Channel>(c));
}

net::awaitable<bool> Notifier::wait(Channel channel, std::uint64_t seen, std::chrono::milliseconds timeout) {
    if (generation(channel) != seen) co_return true;
    auto executor = co_await net::this_coro::executor;
    auto timer = std::make_shared<net::steady_timer>(executor, timeout);
    const auto id = impl_->add_waiter(channel, Waiter{timer, executor});
    if (generation(channel) != seen) {
        impl_->remove_waiter(channel, id);
        co_return true;
    }
    boost::system::error_code ignored;
    co_await timer->async_wait(net::redirect_error(net::use_awaitable, ignored));
    impl_->remove_waiter(channel, id);
    co_return generation(channel) != seen;
}

void Notifier::notify_in_transaction(store::Connection& conn, Channel channel) {
    if (conn.dialect() != store::Dialect::Postgres) return;
    conn.exec("SELECT pg_notify(?, '')", {std::string(kPgChannels[static_cast<std::size_t>(channel)])});
}

namespace {

PGconn* connect_listener(const std::string& url) {
    const char* const keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* const values[] = {"5", "ambient-api-server-listen", url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(
            conn, [](void*, const char*) {}, nullptr);
        std::string sql;
        for (const char* name : kPgChannels)
            sql += std::string("LISTEN ") + name + ";";
        PGresult* result = PQexec(conn, sql.c_str());
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        if (ok) return conn;
    }
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    spdlog::warn("notify listener: cannot listen on {}: {}", store::postgres::redact_password(url), message);
    PQfinish(conn);
    return nullptr;
}

}  // namespace

void Notifier::listen_postgres(const std::string& url) {
    if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) return;
    if (impl_->listener.joinable()) return;
    impl_->listener = start_background_thread([this, url] {
        auto backoff = kMinBackoff;
        while (!impl_->stopped()) {
            PGconn* conn = connect_listener(url);
            if (conn == nullptr) {
                if (!impl_->sleep_unless_stopped(backoff)) return;
                backoff = std::min(backoff * 2, kMaxBackoff);
                continue;
            }
            backoff = kMinBackoff;
            // Whatever was notified while no connection listened is lost: wake every stream
            // so each re-reads its table.
            notify_all();
            while (!impl_->stopped()) {
                pollfd fd{PQsocket(conn), POLLIN, 0};
                const int ready = ::poll(&fd, 1, kPollMillis);
                if (ready < 0 && errno != EINTR) break;
                if (ready <= 0) continue;
                if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) break;
                while (PGnotify* n = PQnotifies(conn)) {
                    const std::string_view name = n->relname;
                    for (int c = 0; c < kChannelCount; ++c) {
                        if (name == kPgChannels[static_cast<std::size_t>(c)]) notify(static_cast<Channel>(c));
                    }
                    PQfreemem(n);
                }
            }
            PQfinish(conn);
            if (!impl_->stopped()) {
                spdlog::warn("notify listener: connection lost, reconnecting");
                if (!impl_->sleep_unless_stopped(backoff)) return;
            }
        }
    });
}

}  // namespace ambient::api
