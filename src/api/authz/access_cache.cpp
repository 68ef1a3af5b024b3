#include "api/authz/access_cache.hpp"

namespace ambient::api::authz {

std::shared_ptr<const Access> AccessCache::find(const std::string& username, std::uint64_t generation) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(username);
    if (it == entries_.end()) return nullptr;
    if (it->second.generation != generation || std::chrono::steady_clock::now() - it->second.loaded > max_age_) {
        entries_.erase(it);
        return nullptr;
    }
    return it->second.access;
}

void AccessCache::store(const std::string& username, std::uint64_t generation, std::shared_ptr<const Access> access) {
    std::lock_guard lock(mutex_);
    // Entries of an older generation are all stale: a full cache starts over.
    if (entries_.size() >= capacity_ && !entries_.contains(username)) entries_.clear();
    entries_[username] = Entry{generation, std::chrono::steady_clock::now(), std::move(access)};
}

}  // namespace ambient::api::authz
