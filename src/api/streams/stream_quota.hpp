#pragma once
// A cap on the streams one caller holds open at once, so that a single user (or a runner)
// cannot tie up the server's connections and memory with streams it never reads. Service
// callers (the platform's own components) are not capped.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/auth/principal.hpp"

namespace ambient::api::streams {

class StreamQuota {
public:
    // `per_principal`: the most streams one user or one runner may hold (0: no cap).
    explicit StreamQuota(std::size_t per_principal) : per_principal_(per_principal) {}

    // Held by a stream for its whole life; gives its place back when destroyed.
    class Ticket {
    public:
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;

    private:
        friend class StreamQuota;
        Ticket(StreamQuota* quota, std::string key) : quota_(quota), key_(std::move(key)) {}
        StreamQuota* quota_;  // null: not counted
        std::string key_;
    };

    // A ticket for one more stream of `principal`, or null when it already holds the most.
    std::shared_ptr<Ticket> acquire(const Principal& principal);
    // Streams `principal` holds now.
    std::size_t held(const Principal& principal) const;
    std::size_t per_principal() const { return per_principal_; }

private:
    static std::string key_of(const Principal& principal);
    void release(const std::string& key);

    const std::size_t per_principal_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> held_;
};

// A ticket from `quota` (none: uncapped) for one more stream of `principal`; ApiError 429
// when it already holds the most.
std::shared_ptr<StreamQuota::Ticket> admit_stream(StreamQuota* quota, const Principal& principal);

}  // namespace ambient::api::streams
