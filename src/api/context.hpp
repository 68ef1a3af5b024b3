#pragma once
// What every handler may use: the parts built by App/main() and shared for the process's life.
#include <chrono>
#include <filesystem>

#include "api/store/database.hpp"

namespace boost::asio {
class thread_pool;
}
namespace ambient::http {
class StreamClient;
}

namespace ambient::api {

namespace credentials {
class Keyring;
}
class Notifier;
class EventRetention;
class DeniedReadLimiter;
namespace authz {
class AccessCache;
}
namespace streams {
class EventLog;
class MessageFeeds;
class StreamQuota;
class StreamStats;
}  // namespace streams
class RunnerTokens;

struct ApiContext {
    store::Database& db;
    // Wakes waiting streams after commits (watch events, session messages).
    Notifier& notifier;
    // Where stream producers run their blocking reads (http::run_blocking), apart from the
    // request workers so that many open streams never starve ordinary requests.
    boost::asio::thread_pool& stream_pool;
    // The data directory (generated secrets live here).
    std::filesystem::path data_dir;
    // Seals and opens credential tokens (credentials/keyring.hpp).
    const credentials::Keyring& keyring;
    // Prunes the events table; told after each committed write. nullptr: no pruning.
    EventRetention* event_retention = nullptr;
    // Users' access between requests (authz/access_cache.hpp). nullptr: loaded every time.
    authz::AccessCache* access_cache = nullptr;
    // The fan-out of new events and messages to open streams, and the cap on the streams
    // one caller holds (streams/). Set by App.
    streams::EventLog* event_log = nullptr;
    streams::MessageFeeds* message_feeds = nullptr;
    streams::StreamQuota* stream_quota = nullptr;
    // Streams open, carried across a database fault, ended by one (streams/stream_faults.hpp).
    // nullptr: not counted.
    streams::StreamStats* stream_stats = nullptr;
    // A stream that has sent nothing for this long sends a ping (an SSE comment), which also
    // finds out whether its client left.
    std::chrono::seconds stream_ping_interval{30};
    // Opens the runners' event streams (plain or TLS) for the events proxy. nullptr: the
    // proxy answers 502.
    http::StreamClient* runner_client = nullptr;
    // Runner tokens' session liveness, for open streams of runners. nullptr: none accepted.
    RunnerTokens* runner_tokens = nullptr;
    // How many denied token reads get an audit row each (audit/denied_read_limiter.hpp).
    // nullptr: every one does.
    DeniedReadLimiter* denied_reads = nullptr;
};

}  // namespace ambient::api
