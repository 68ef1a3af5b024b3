#include "api/read_on_io_thread.hpp"

#include <optional>

#include "api/handler_support.hpp"

namespace ambient::api {

namespace {

// The statement in flight on its leased connection, and what to make of its result.
class PendingRead final : public http::PendingResponse {
public:
    PendingRead(store::ConnectionLease lease, std::unique_ptr<store::PendingQuery> query,
                const model::KindSchema& schema, RenderResult render)
        : lease_(std::move(lease)), query_(std::move(query)), schema_(schema), render_(std::move(render)) {}

    int socket() const override { return query_->socket(); }

    std::optional<http::Response> advance() override {
        std::optional<store::ResultSet> result;
        try {
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
    std::optional<store::ConnectionLease> lease_;
    std::unique_ptr<store::PendingQuery> query_;  // after lease_: done with the connection first
    const model::KindSchema& schema_;
    RenderResult render_;
};

}  // namespace

http::IoAnswer read_on_io_thread(ApiContext& ctx, const model::KindSchema& schema, const std::string& sql,
                                 std::vector<store::SqlValue> params, RenderResult render) {
    try {
        auto lease = ctx.db.acquire();
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
