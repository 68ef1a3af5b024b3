#pragma once
// Internal to the HTTP layer: the live connections, how many each client address holds, and
// which of them are idle. The accept loop asks it to admit each new connection before any
// coroutine or buffer exists for it; stop() reaches the live ones through it.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>

namespace ambient::http::detail {

class ConnectionRegistry;
class TimedSocket;

// One live connection. The first group of fields is used only on the connection's executor
// (its I/O thread); the second only under the registry's mutex.
struct ConnectionState {
    ConnectionState(boost::asio::any_io_executor ex, boost::asio::ip::address counted_as)
        : executor(std::move(ex)), client(counted_as) {}
    boost::asio::any_io_executor executor;
    TimedSocket* stream = nullptr;  // null before the coroutine runs and after it ends
    bool awaiting_request = false;               // between requests or reading one: closing loses nothing

private:
    friend class ConnectionRegistry;
    boost::asio::ip::address client;
    std::list<std::shared_ptr<ConnectionState>>::iterator idle_entry;
    bool idle = false;
    bool evicted = false;
};

struct ConnectionLimits {
    std::size_t max_connections = 0;  // 0: no global cap
    std::size_t max_per_client = 0;   // 0: no cap per client address
};

// The address connections are counted under: IPv4 addresses (IPv4-mapped IPv6 ones too) as
// they are, IPv6 addresses by their /64 prefix, which one host usually holds whole.
boost::asio::ip::address client_key(const boost::asio::ip::address& address);

class ConnectionRegistry {
public:
    explicit ConnectionRegistry(ConnectionLimits limits = {}) : limits_(limits) {}

    enum class Refusal { PerClient, Global };
    struct Admission {
        std::shared_ptr<ConnectionState> state;  // null when refused
        Refusal refusal = Refusal::Global;
    };
    // Admits a connection from `client`, counting it as idle until mark_busy(); or refuses it
    // when the client holds its cap, or when the global cap is reached and no connection is
    // idle. At the global cap the connection idle longest is evicted to make room: a flood of
    // idle sockets must not lock other clients out.
    Admission admit(const boost::asio::ip::address& client, boost::asio::any_io_executor executor);
    void remove(const std::shared_ptr<ConnectionState>& state);

    // The connection is about to wait for its next request with nothing buffered: eviction
    // may close it. False when it was evicted already (before its coroutine first ran).
    bool mark_idle(const std::shared_ptr<ConnectionState>& state);
    // Bytes arrived (or the wait ended). False when the connection was evicted meanwhile: it
    // must close then, its slot already given away.
    bool mark_busy(const std::shared_ptr<ConnectionState>& state);
    // True above 80% of the global cap: idle connections then get a short idle timeout.
    bool crowded() const;

    // Runs `fn` on each live connection's executor.
    void for_each(const std::function<void(ConnectionState&)>& fn);
    // True once no connection is left, false if `timeout` passed first.
    bool wait_until_empty(std::chrono::steady_clock::duration timeout);
    std::size_t size() const;
    std::uint64_t evictions() const;

private:
    void evict_longest_idle();  // with mutex_ held

    const ConnectionLimits limits_;
    mutable std::mutex mutex_;
    std::condition_variable empty_;
    std::unordered_set<std::shared_ptr<ConnectionState>> live_;
    std::map<boost::asio::ip::address, std::size_t> per_client_;
    std::list<std::shared_ptr<ConnectionState>> idle_;  // longest idle first
    std::size_t evicted_live_ = 0;                      // evicted, not yet ended
    std::uint64_t evictions_ = 0;
};

}  // namespace ambient::http::detail
