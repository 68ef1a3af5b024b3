#include "api/storage_errors.hpp"

#include <spdlog/spdlog.h>

#include "common/log_throttle.hpp"

namespace ambient::api {
namespace {

// Long enough that a full disk under load makes a handful of lines an hour, short enough
// that an operator tailing the log sees the condition is still there.
constexpr std::chrono::seconds kLogInterval{30};

void log_throttled(LogThrottle& throttle, const char* what, const std::exception& e) {
    const auto held_back = throttle.admit(LogThrottle::Clock::now());
    if (!held_back) return;
    spdlog::error("{}: writes answer an error until it is fixed ({} more in the last {}s not logged): {}", what,
                  *held_back, kLogInterval.count(), e.what());
}

}  // namespace

// One throttle per condition for the whole process: the disk is shared by every request,
// so the interval must be too. The ApiError's detail stays empty so that the per-request
// log line of http::dispatch does not repeat the message.
ApiError storage_full(const store::StorageFull& e) {
    static LogThrottle throttle(kLogInterval);
    log_throttled(throttle, "Storage is full", e);
    return {507, ErrorCode::General, kStorageFullReason};
}

ApiError storage_read_only(const store::StorageReadOnly& e) {
    static LogThrottle throttle(kLogInterval);
    log_throttled(throttle, "Storage is read-only", e);
    return {503, ErrorCode::General, kStorageReadOnlyReason};
}

}  // namespace ambient::api
