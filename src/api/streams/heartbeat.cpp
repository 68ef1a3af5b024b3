#include "api/streams/heartbeat.hpp"

#include <string>

#include "api/sse.hpp"

namespace ambient::api::streams {

boost::asio::awaitable<bool> Heartbeat::rest(Wakeup& wakeup, http::StreamWriter& writer, Clock::time_point deadline) {
    // In locals: GCC mishandles temporaries (std::min's reference) across a co_await.
    const Clock::time_point ping_at = last_write_ + interval_;
    const Clock::time_point until = ping_at < deadline ? ping_at : deadline;
    co_await wakeup.wait_until(until);
    if (Clock::now() - last_write_ < interval_) co_return true;
    if (!co_await writer.write(std::string(kSsePing))) co_return false;
    wrote();
    co_return true;
}

}  // namespace ambient::api::streams
