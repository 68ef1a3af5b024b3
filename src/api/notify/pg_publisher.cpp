#include "api/notify/pg_publisher.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "api/background_thread.hpp"
#include "api/store/postgres/pg_connect.hpp"
#include "api/store/postgres/pg_url.hpp"

namespace ambient::api {
namespace {

constexpr std::chrono::milliseconds kMinBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr std::chrono::milliseconds kConnectTimeout{5000};

bool exec_ok(PGconn* conn, const char* sql, int nparams = 0, const char* const* values = nullptr) {
    PGresult* result = PQexecParams(conn, sql, nparams, nullptr, values, nullptr, nullptr, 0);
    const auto status = PQresultStatus(result);
    PQclear(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

PGconn* connect_publisher(const std::string& url) {
    PGconn* conn = store::postgres::connect_to(url, kConnectTimeout, "ambient-api-server-publish");
    // A lost notification costs nothing durable (listeners re-read after a reconnect), so
    // its transaction need not wait for the WAL flush.
    if (conn != nullptr && PQstatus(conn) == CONNECTION_OK && exec_ok(conn, "SET synchronous_commit = off")) {
        return conn;
    }
    spdlog::warn("notify publisher: cannot connect to {}: {}", store::postgres::redact_password(url),
                 conn != nullptr ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return nullptr;
}

}  // namespace

PgPublisher::PgPublisher(std::string url) : url_(std::move(url)) {
    thread_ = start_background_thread([this] { run(); });
}

PgPublisher::~PgPublisher() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void PgPublisher::publish(const char* channel) {
    {
        std::lock_guard lock(mutex_);
        if (std::find(pending_.begin(), pending_.end(), channel) != pending_.end()) return;
        pending_.push_back(channel);
    }
    wake_.notify_one();
}

void PgPublisher::run() {
    PGconn* conn = nullptr;
    auto backoff = kMinBackoff;
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
        if (stop_) break;
        auto batch = std::move(pending_);
        pending_.clear();
        lock.unlock();

        if (conn == nullptr) conn = connect_publisher(url_);
        bool sent = conn != nullptr;
        for (const char* channel : batch) {
            if (!sent) break;
            const char* const params[] = {channel};
            sent = exec_ok(conn, "SELECT pg_notify($1, '')", 1, params);
        }

        lock.lock();
        if (sent) {
            backoff = kMinBackoff;
            continue;
        }
        // Keep what was not sent, and try again on a new connection after a pause.
        for (const char* channel : batch) {
            if (std::find(pending_.begin(), pending_.end(), channel) == pending_.end()) pending_.push_back(channel);
        }
        if (conn != nullptr) spdlog::warn("notify publisher: NOTIFY failed: {}", PQerrorMessage(conn));
        PQfinish(conn);
        conn = nullptr;
        if (wake_.wait_for(lock, backoff, [this] { return stop_; })) break;
        backoff = std::min(backoff * 2, kMaxBackoff);
    }
    lock.unlock();
    PQfinish(conn);
}

}  // namespace ambient::api
