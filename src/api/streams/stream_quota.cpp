#include "api/streams/stream_quota.hpp"

#include "common/api_error.hpp"

namespace ambient::api::streams {

std::string StreamQuota::key_of(const Principal& principal) {
    switch (principal.kind) {
        case Principal::Kind::Service:
            return {};
        case Principal::Kind::Runner:
            return "runner:" + principal.session_id;
        case Principal::Kind::User:
            break;
    }
    return "user:" + principal.username;
}

std::shared_ptr<StreamQuota::Ticket> StreamQuota::acquire(const Principal& principal) {
    auto key = key_of(principal);
    if (key.empty() || per_principal_ == 0) return std::shared_ptr<Ticket>(new Ticket(nullptr, {}));
    std::lock_guard lock(mutex_);
    auto& count = held_[key];
    if (count >= per_principal_) return nullptr;
    ++count;
    return std::shared_ptr<Ticket>(new Ticket(this, std::move(key)));
}

std::size_t StreamQuota::held(const Principal& principal) const {
    std::lock_guard lock(mutex_);
    auto it = held_.find(key_of(principal));
    return it == held_.end() ? 0 : it->second;
}

void StreamQuota::release(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = held_.find(key);
    if (it == held_.end()) return;
    if (--it->second == 0) held_.erase(it);
}

StreamQuota::Ticket::~Ticket() {
    if (quota_ != nullptr) quota_->release(key_);
}

std::shared_ptr<StreamQuota::Ticket> admit_stream(StreamQuota* quota, const Principal& principal) {
    if (quota == nullptr) return nullptr;
    auto ticket = quota->acquire(principal);
    if (!ticket) {
        throw ApiError(429, ErrorCode::BadRequest,
                       "Too many open streams: at most " + std::to_string(quota->per_principal()) +
                           " per caller; close one first");
    }
    return ticket;
}

}  // namespace ambient::api::streams
