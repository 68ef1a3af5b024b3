#pragma once
// A small least-recently-used map from SQL text to a driver's prepared statement, so a
// connection prepares each distinct statement once while generated SQL (search filters)
// cannot grow the cache without bound.
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ambient::store {

template <typename Value>
class LruMap {
public:
    explicit LruMap(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
    LruMap(const LruMap&) = delete;
    LruMap& operator=(const LruMap&) = delete;

    // The value for `key`, marked most recently used; nullptr when absent.
    Value* find(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        entries_.splice(entries_.begin(), entries_, it->second);
        return &it->second->second;
    }

    // Inserts `key` (which must be absent) as most recently used. Returns the value pushed
    // out to make room, so the caller can release what it stands for.
    std::optional<Value> insert(std::string key, Value value) {
        std::optional<Value> evicted;
        if (entries_.size() >= capacity_) {
            evicted.emplace(std::move(entries_.back().second));
            index_.erase(entries_.back().first);
            entries_.pop_back();
        }
        entries_.emplace_front(std::move(key), std::move(value));
        index_.emplace(entries_.front().first, entries_.begin());
        return evicted;
    }

    // Removes `key`; returns its value when present.
    std::optional<Value> erase(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        std::optional<Value> value(std::move(it->second->second));
        entries_.erase(it->second);
        index_.erase(it);
        return value;
    }

    void clear() {
        index_.clear();
        entries_.clear();
    }

    std::size_t size() const { return entries_.size(); }

private:
    using Entries = std::list<std::pair<std::string, Value>>;
    std::size_t capacity_;
    Entries entries_;
    std::unordered_map<std::string, typename Entries::iterator> index_;
};

}  // namespace ambient::store
