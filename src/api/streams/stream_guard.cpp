#include "api/streams/stream_guard.hpp"

#include <spdlog/spdlog.h>

#include "api/authz/request_authorizer.hpp"
#include "common/http/blocking.hpp"

namespace ambient::api::streams {

namespace {

std::chrono::steady_clock::time_point steady_deadline(
    const std::optional<std::chrono::system_clock::time_point>& expires_at) {
    if (!expires_at) return std::chrono::steady_clock::time_point::max();
    const auto left = *expires_at - std::chrono::system_clock::now();
    return std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
}

}  // namespace

StreamGuard::StreamGuard(ApiContext& ctx, Principal principal, std::string session_id, std::string permission)
    : ctx_(ctx),
      principal_(std::move(principal)),
      session_id_(std::move(session_id)),
      permission_(std::move(permission)),
      expiry_(steady_deadline(principal_.expires_at)) {}

void StreamGuard::attach(std::shared_ptr<Wakeup> wakeup) {
    if (ctx_.event_log == nullptr) return;
    EventLog::FollowWhat what;
    switch (principal_.kind) {
        case Principal::Kind::Service:
            return;  // a static token: nothing to revoke
        case Principal::Kind::Runner:
            what.session_id = principal_.session_id;
            what.session_phase = true;
            break;
        case Principal::Kind::User:
            what.username = principal_.username;
            what.session_id = session_id_;
            break;
    }
    follow_ = ctx_.event_log->follow(std::move(what), std::move(wakeup));
}

bool StreamGuard::check_due() const {
    return std::chrono::steady_clock::now() >= expiry_ || (follow_ && follow_->recheck_pending());
}

boost::asio::awaitable<StreamGuard::Verdict> StreamGuard::check() {
    if (std::chrono::steady_clock::now() >= expiry_) co_return Verdict::Expired;
    if (!follow_ || !follow_->recheck_due()) co_return Verdict::Keep;
    bool allowed = false;
    try {
        allowed = co_await http::run_blocking(
            ctx_.stream_pool, [this] { return authz::reauthorize_stream(ctx_, principal_, permission_, session_id_); });
    } catch (const store::Unavailable& e) {
        // Failing closed, and saying why: the client resumes once the database is back.
        spdlog::warn("stream of {}: database unavailable to recheck its access, ending it: {}", principal_.username,
                     e.what());
        co_return Verdict::Unavailable;
    } catch (const std::exception& e) {
        // Failing closed: the client reconnects and is checked like any new request.
        spdlog::warn("stream of {}: cannot recheck its access, ending it: {}", principal_.username, e.what());
        co_return Verdict::Revoked;
    }
    if (!allowed) co_return Verdict::Revoked;
    co_return principal_.kind == Principal::Kind::User ? Verdict::AccessChanged : Verdict::Keep;
}

std::string ending_comment(StreamGuard::Verdict verdict, StreamStats* stats) {
    switch (verdict) {
        case StreamGuard::Verdict::Expired:
            return ": stream ended: token expired\n\n";
        case StreamGuard::Verdict::Revoked:
            return ": stream ended: access revoked\n\n";
        case StreamGuard::Verdict::Unavailable:
            if (stats != nullptr) stats->count_ended_by_fault();
            return std::string(kDatabaseErrorFrame);
        default:
            return {};
    }
}

}  // namespace ambient::api::streams
