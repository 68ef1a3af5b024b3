#include "integration/api_fixture.hpp"

#include <algorithm>
#include <atomic>

#include "support/pg_cluster.hpp"

namespace ambient::testing {

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

ApiServer::ApiServer(Backend backend, std::vector<std::string> extra_args, std::vector<std::string> env)
    : backend_(backend), data_dir_(own_data_dir_.path()) {
    if (backend == Backend::Postgres) {
        static std::atomic<int> counter{0};
        db_url_ = PgCluster::shared().create_database("api" + std::to_string(counter++));
    }
    start(std::move(extra_args), std::move(env));
}

ApiServer::ApiServer(SharedDatabase shared, std::vector<std::string> extra_args, std::vector<std::string> env)
    : backend_(shared.with.backend_), data_dir_(shared.with.data_dir_), db_url_(shared.with.db_url_) {
    start(std::move(extra_args), std::move(env));
}

void ApiServer::start(std::vector<std::string> extra_args, std::vector<std::string> env) {
    std::vector<std::string> args = {"serve",      "--api-server-bindaddress", "127.0.0.1:0",
                                     "--data-dir", data_dir_.string(),         "--db-max-open-connections",
                                     "4"};
    if (backend_ == Backend::Postgres) {
        args.push_back("--db-url");
        args.push_back(db_url_);
    }
    // A test that needs a fixed address (a restart on the same port) gives its own.
    if (std::find(extra_args.begin(), extra_args.end(), "--api-server-bindaddress") != extra_args.end())
        args.erase(args.begin() + 1, args.begin() + 3);
    // And one that needs more concurrent transactions, its own pool size.
    if (std::find(extra_args.begin(), extra_args.end(), "--db-max-open-connections") != extra_args.end()) {
        const auto pool = std::find(args.begin(), args.end(), "--db-max-open-connections");
        args.erase(pool, pool + 2);
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    env.push_back(std::string("AMBIENT_API_TOKEN=") + kTestToken);
    process_ = std::make_unique<ServerProcess>(binary_dir() / "ambient-api-server", args, env);
}

HttpClient ApiServer::client(bool authenticated) const {
    HttpClient c(process_->host(), process_->port());
    if (authenticated) c.set_bearer(kTestToken);
    return c;
}

std::unique_ptr<store::Database> ApiServer::open_database() const {
    if (backend_ == Backend::Postgres) return store::open_postgres(db_url_);
    return store::open_sqlite(data_dir_.string());
}

void ApiTest::SetUp() {
    server_ = std::make_unique<ApiServer>(GetParam());
    http_.emplace(server_->client());
}

}  // namespace ambient::testing
