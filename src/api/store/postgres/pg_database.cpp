#include "api/store/postgres/pg_database.hpp"

#include "api/store/postgres/pg_connection.hpp"

namespace ambient::store {

namespace postgres {

PgDatabase::PgDatabase(std::string url, const DatabaseOptions& options)
    : url_(std::move(url)), options_(options), pool_(options.pool_size, options.acquire_timeout, [this] {
          return std::make_unique<PgConnection>(url_, options_, this);
      }) {
    pool_.adopt(std::make_unique<PgConnection>(url_, options_, this));
}

ConnectionLease PgDatabase::acquire() {
    // Where blocking is not allowed the pool lends only an idle connection, on which exec()
    // throws WouldBlock and send() does not wait.
    return ConnectionLease(*this, pool_.take());
}

namespace {

// The pool's place in the queue, lending what it is handed as a lease of this database.
class PgLeaseWaiter final : public LeaseWaiter {
public:
    PgLeaseWaiter(Database& db, std::unique_ptr<ConnectionPool::Waiter> waiter) : db_(db), waiter_(std::move(waiter)) {}
    int fd() const override { return waiter_->fd(); }
    std::optional<ConnectionLease> poll() override {
        auto conn = waiter_->poll();
        if (!conn) return std::nullopt;
        return ConnectionLease(db_, std::move(conn));
    }

private:
    Database& db_;
    std::unique_ptr<ConnectionPool::Waiter> waiter_;
};

}  // namespace

std::variant<ConnectionLease, std::unique_ptr<LeaseWaiter>> PgDatabase::acquire_or_queue() {
    auto taken = pool_.take_or_queue();
    if (auto* conn = std::get_if<std::unique_ptr<PooledConnection>>(&taken)) {
        return ConnectionLease(*this, std::move(*conn));
    }
    return std::make_unique<PgLeaseWaiter>(*this, std::move(std::get<std::unique_ptr<ConnectionPool::Waiter>>(taken)));
}

void PgDatabase::release(std::unique_ptr<Connection> conn) {
    pool_.give_back(std::move(conn));
}

void PgDatabase::ping() {
    auto lease = acquire();
    try {
        lease->exec("SELECT 1");
    } catch (const Unavailable&) {
        throw;
    } catch (const StoreError& e) {
        throw Unavailable(std::string("PostgreSQL ping failed: ") + e.what());
    }
}

}  // namespace postgres

std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options) {
    return std::make_unique<postgres::PgDatabase>(url, options);
}

}  // namespace ambient::store
