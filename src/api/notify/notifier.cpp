#include "api/notify/notifier.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/background_thread.hpp"
#include "api/notify/pg_publisher.hpp"
#include "api/store/postgres/pg_connect.hpp"
#include "api/store/postgres/pg_url.hpp"

namespace ambient::api {

namespace {

constexpr std::array<const char*, kChannelCount> kPgChannels = {"ambient_events", "ambient_messages"};
// How long the listener blocks in poll(): bounds how long the destructor waits for it.
constexpr int kPollMillis = 200;
constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr std::chrono::milliseconds kConnectTimeout{5000};

}  // namespace

struct Notifier::Impl {
    std::array<std::atomic<std::uint64_t>, kChannelCount> generations{};

    std::mutex listeners_mutex;
    std::array<std::vector<Listener>, kChannelCount> listeners;

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stop = false;
    std::thread listener;
    std::unique_ptr<PgPublisher> publisher;

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

void Notifier::listen(Channel channel, Listener listener) {
    std::lock_guard lock(impl_->listeners_mutex);
    impl_->listeners[static_cast<int>(channel)].push_back(std::move(listener));
}

void Notifier::clear_listeners() {
    std::lock_guard lock(impl_->listeners_mutex);
    for (auto& listeners : impl_->listeners)
        listeners.clear();
}

void Notifier::notify(Channel channel, std::string_view key) {
    // The generation moves before the listeners run, so one that reads state stamped with
    // the generation (the access cache) never keeps a stale entry as current.
    impl_->generations[static_cast<int>(channel)].fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard lock(impl_->listeners_mutex);
    for (const auto& listener : impl_->listeners[static_cast<int>(channel)])
        listener(key);
}

void Notifier::publish(Channel channel) {
    notify(channel);
    if (impl_->publisher) impl_->publisher->publish(kPgChannels[static_cast<std::size_t>(channel)]);
}

void Notifier::notify_all() {
    for (int c = 0; c < kChannelCount; ++c)
        notify(static_cast<Channel>(c));
}

void Notifier::notify_in_transaction(store::Connection& conn, Channel channel, std::string_view key) {
    if (conn.dialect() != store::Dialect::Postgres) return;
    conn.exec("SELECT pg_notify(?, ?)",
              {std::string(kPgChannels[static_cast<std::size_t>(channel)]), std::string(key)});
}

namespace {

PGconn* connect_listener(const std::string& url) {
    // Keepalives matter most here: a LISTEN connection sends nothing, so without them a
    // server gone silent would never be noticed and no stream woken again.
    PGconn* conn = store::postgres::connect_to(url, kConnectTimeout, "ambient-api-server-listen");
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
    impl_->publisher = std::make_unique<PgPublisher>(url);
    impl_->listener = start_background_thread([this, url] {
        auto backoff = kMinBackoff;
        bool lost = false;
        while (!impl_->stopped()) {
            PGconn* conn = connect_listener(url);
            if (conn == nullptr) {
                if (!impl_->sleep_unless_stopped(backoff)) return;
                backoff = std::min(backoff * 2, kMaxBackoff);
                continue;
            }
            backoff = kMinBackoff;
            if (std::exchange(lost, false)) spdlog::info("notify listener: listening again, waking every stream");
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
                    const std::string_view key = n->extra != nullptr ? n->extra : "";
                    for (int c = 0; c < kChannelCount; ++c) {
                        if (name == kPgChannels[static_cast<std::size_t>(c)]) notify(static_cast<Channel>(c), key);
                    }
                    PQfreemem(n);
                }
            }
            PQfinish(conn);
            if (!impl_->stopped()) {
                lost = true;
                spdlog::warn("notify listener: connection lost, reconnecting");
                if (!impl_->sleep_unless_stopped(backoff)) return;
            }
        }
    });
}

}  // namespace ambient::api
