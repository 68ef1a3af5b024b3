#include "api/streams/stream_faults.hpp"

#include <spdlog/spdlog.h>

#include "common/log_throttle.hpp"

namespace ambient::api::streams {

namespace {
constexpr auto kReadFailureLogInterval = std::chrono::seconds(30);
}  // namespace

void StreamFaults::read_failed(std::string_view what, const std::exception& error) {
    faulted_ = true;
    static LogThrottle throttle(kReadFailureLogInterval);
    const auto held_back = throttle.admit(LogThrottle::Clock::now());
    if (!held_back) return;
    spdlog::warn("{}: cannot read the database, retrying every {} s: {} ({} more such failures not logged)", what,
                 kReadRetryDelay.count(), error.what(), *held_back);
}

}  // namespace ambient::api::streams
