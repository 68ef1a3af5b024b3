#pragma once
// Sends NOTIFYs on a PostgreSQL connection of its own, after the transactions they announce
// have committed, from one background thread. A NOTIFY inside a writing transaction makes
// its commit take PostgreSQL's database-wide notify-queue lock and hold it through the WAL
// flush, so concurrent writers would commit one at a time; sent afterwards, in a transaction
// of its own with synchronous_commit off, it holds that lock for a moment only. Publishes
// that arrive while one is being sent are coalesced into the next: a notification carries
// no data (notifier.hpp), so one NOTIFY sent after a commit covers every earlier commit.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ambient::api {

class PgPublisher {
public:
    explicit PgPublisher(std::string url);
    ~PgPublisher();
    PgPublisher(const PgPublisher&) = delete;
    PgPublisher& operator=(const PgPublisher&) = delete;

    // Queues a NOTIFY on `channel` (a fixed channel name, never user text). Thread-safe,
    // never blocks on the database.
    void publish(const char* channel);

private:
    void run();

    const std::string url_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<const char*> pending_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ambient::api
