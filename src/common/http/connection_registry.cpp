#include "common/http/connection_registry.hpp"

#include "common/http/timed_socket.hpp"

#include <boost/asio/post.hpp>

namespace ambient::http::detail {
namespace net = boost::asio;

namespace {
// Above this share of the global cap, the registry reports itself crowded.
constexpr std::size_t kCrowdedPercent = 80;
}  // namespace

net::ip::address client_key(const net::ip::address& address) {
    if (address.is_v4()) return address;
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    for (std::size_t i = 8; i < bytes.size(); ++i)
        bytes[i] = 0;
    return net::ip::address_v6(bytes);
}

ConnectionRegistry::Admission ConnectionRegistry::admit(const net::ip::address& client, net::any_io_executor executor) {
    const auto key = client_key(client);
    std::lock_guard lock(mutex_);
    auto& held = per_client_[key];
    if (limits_.max_per_client != 0 && held >= limits_.max_per_client) {
        return {nullptr, Refusal::PerClient};
    }
    if (limits_.max_connections != 0 && live_.size() - evicted_live_ >= limits_.max_connections) {
        if (idle_.empty()) {
            if (held == 0) per_client_.erase(key);
            return {nullptr, Refusal::Global};
        }
        evict_longest_idle();
    }
    auto state = std::make_shared<ConnectionState>(std::move(executor), key);
    live_.insert(state);
    ++held;
    state->idle_entry = idle_.insert(idle_.end(), state);
    state->idle = true;
    return {state, Refusal::Global};
}

void ConnectionRegistry::evict_longest_idle() {
    auto victim = idle_.front();
    idle_.pop_front();
    victim->idle = false;
    victim->evicted = true;
    ++evicted_live_;
    ++evictions_;
    // Closing happens on the victim's own I/O thread. If bytes reached it meanwhile, mark_busy()
    // tells it that it was evicted and it closes itself.
    net::post(victim->executor, [victim] {
        if (victim->stream != nullptr) victim->stream->cancel();
    });
}

void ConnectionRegistry::remove(const std::shared_ptr<ConnectionState>& state) {
    std::lock_guard lock(mutex_);
    if (live_.erase(state) == 0) return;
    if (state->idle) idle_.erase(state->idle_entry);
    state->idle = false;
    if (state->evicted) --evicted_live_;
    if (auto it = per_client_.find(state->client); it != per_client_.end() && --it->second == 0) {
        per_client_.erase(it);
    }
    if (live_.empty()) empty_.notify_all();
}

bool ConnectionRegistry::mark_idle(const std::shared_ptr<ConnectionState>& state) {
    std::lock_guard lock(mutex_);
    if (state->evicted) return false;
    if (!state->idle) {
        state->idle_entry = idle_.insert(idle_.end(), state);
        state->idle = true;
    }
    return true;
}

bool ConnectionRegistry::mark_busy(const std::shared_ptr<ConnectionState>& state) {
    std::lock_guard lock(mutex_);
    if (state->idle) idle_.erase(state->idle_entry);
    state->idle = false;
    return !state->evicted;
}

bool ConnectionRegistry::crowded() const {
    if (limits_.max_connections == 0) return false;
    std::lock_guard lock(mutex_);
    return (live_.size() - evicted_live_) * 100 > limits_.max_connections * kCrowdedPercent;
}

void ConnectionRegistry::for_each(const std::function<void(ConnectionState&)>& fn) {
    std::lock_guard lock(mutex_);
    for (const auto& state : live_) {
        // The copy of the shared_ptr keeps the state alive even if the connection ends first.
        net::post(state->executor, [state, fn] { fn(*state); });
    }
}

bool ConnectionRegistry::wait_until_empty(std::chrono::steady_clock::duration timeout) {
    std::unique_lock lock(mutex_);
    return empty_.wait_for(lock, timeout, [this] { return live_.empty(); });
}

std::size_t ConnectionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return live_.size();
}

std::uint64_t ConnectionRegistry::evictions() const {
    std::lock_guard lock(mutex_);
    return evictions_;
}

}  // namespace ambient::http::detail
