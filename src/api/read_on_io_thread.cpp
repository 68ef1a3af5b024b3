#include "api/read_on_io_thread.hpp"

#include <optional>
#include <variant>

#include "api/handler_support.hpp"
#include "common/may_block.hpp"

namespace ambient::api {

namespace {

// The statement in flight on its leased connection — or, while every pooled connection is
// busy, the place in the pool's queue it waits in first — and what to make of its result.
class PendingRead final : public http::PendingResponse {
public:
    PendingRead(store::ConnectionLease lease, std::unique_ptr<store::PendingQuery> query,
                const model::KindSchema& schema, RenderResult render)
        : lease_(std::move(lease)), query_(std::move(query)), schema_(schema), render_(std::move(render)) {}
    PendingRead(std::unique_ptr<store::LeaseWaiter> waiter, std::string sql, std::vector<store::SqlValue> params,
                const model::KindSchema& schema, RenderResult render)
        : waiter_(std::move(waiter)),
          sql_(std::move(sql)),
          params_(std::move(params)),
          schema_(schema),
          render_(std::move(render)) {}

    int socket() const override { return waiter_ ? waiter_->fd() : query_->socket(); }

    std::optional<http::Response> advance() override {
        std::optional<store::ResultSet> result;
        try {
            if (waiter_) return send_when_lent();
            result = query_->advance();
        } catch (const ApiError&) {
            throw;
        } catch (...) {
            rethrow_as_api_error(schema_);  // WouldBlock passes through
        }
        if (!result) return std::nullopt;
        // The connection goes back to the pool before rendering, for the next request.
        query_.reset();
        lease_.reset();
        return render_(*result);
    }

private:
    // Once a connection is handed over, the statement goes out on it; its answer is awaited
    // on that connection's socket from then on.
    std::optional<http::Response> send_when_lent() {
        auto lease = waiter_->poll();
        if (!lease) return std::nullopt;
        waiter_.reset();
        lease_.emplace(std::move(*lease));
        query_ = (*lease_)->send(sql_, params_);
        if (!query_) throw WouldBlock();  // a driver that cannot send without waiting
        return std::nullopt;
    }

    std::unique_ptr<store::LeaseWaiter> waiter_;
    std::string sql_;
    std::vector<store::SqlValue> params_;
    std::optional<store::ConnectionLease> lease_;
    std::unique_ptr<store::PendingQuery> query_;  // after lease_: done with the connection first
    const model::KindSchema& schema_;
    RenderResult render_;
};

}  // namespace

http::IoAnswer read_on_io_thread(ApiContext& ctx, const model::KindSchema& schema, const std::string& sql,
                                 std::vector<store::SqlValue> params, RenderResult render) {
    try {
        auto taken = ctx.db.acquire_or_queue();
        if (auto* waiter = std::get_if<std::unique_ptr<store::LeaseWaiter>>(&taken)) {
            return std::make_unique<PendingRead>(std::move(*waiter), sql, std::move(params), schema, std::move(render));
        }
        auto& lease = std::get<store::ConnectionLease>(taken);
        if (auto query = lease->send(sql, params)) {
            return std::make_unique<PendingRead>(std::move(lease), std::move(query), schema, std::move(render));
        }
        auto result = lease->exec(sql, params);
        return render(result);
    } catch (const ApiError&) {
        throw;
    } catch (...) {
        rethrow_as_api_error(schema);
    }
}

}  // namespace ambient::api
