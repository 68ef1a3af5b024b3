#include <boost/asio/post.hpp>

#include "common/http/connection.hpp"

namespace ambient::http::detail {

std::shared_ptr<ConnectionState> ConnectionRegistry::add(boost::asio::any_io_executor executor) {
    auto state = std::make_shared<ConnectionState>(std::move(executor));
    std::lock_guard lock(mutex_);
    live_.insert(state);
    return state;
}

void ConnectionRegistry::remove(const std::shared_ptr<ConnectionState>& state) {
    std::lock_guard lock(mutex_);
    live_.erase(state);
    if (live_.empty()) empty_.notify_all();
}

void ConnectionRegistry::for_each(const std::function<void(ConnectionState&)>& fn) {
    std::lock_guard lock(mutex_);
    for (const auto& state : live_) {
        // The copy of the shared_ptr keeps the state alive even if the connection ends first.
        boost::asio::post(state->executor, [state, fn] { fn(*state); });
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

}  // namespace ambient::http::detail
