#pragma once
// Users' loaded access, kept between their requests. An entry is valid while nothing was
// written since it was loaded: it is stamped with the notifier's event generation, which
// every committed write in this process increments, and which, on PostgreSQL, LISTEN/NOTIFY
// increments for every other server's writes too. So a new or removed binding takes effect
// on the next request. A short age limit bounds what a missed notification could leave.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/authz/access.hpp"

namespace ambient::api::authz {

class AccessCache {
public:
    explicit AccessCache(std::size_t capacity = 10000, std::chrono::milliseconds max_age = std::chrono::seconds(5))
        : capacity_(capacity), max_age_(max_age) {}

    // The access loaded for `username` at `generation`, or null when absent or stale.
    std::shared_ptr<const Access> find(const std::string& username, std::uint64_t generation);
    // Keeps `access`, loaded for `username` when the generation was `generation`.
    void store(const std::string& username, std::uint64_t generation, std::shared_ptr<const Access> access);

private:
    struct Entry {
        std::uint64_t generation;
        std::chrono::steady_clock::time_point loaded;
        std::shared_ptr<const Access> access;
    };
    std::size_t capacity_;
    std::chrono::milliseconds max_age_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ambient::api::authz
