#pragma once
// Black-box fixture: a real ambient-api-server per test, on SQLite (a temp data dir) or on
// PostgreSQL (a fresh database in the test process's throwaway cluster), on port 0.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "api/store/database.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/url_encode.hpp"

namespace ambient::testing {

enum class Backend { Sqlite, Postgres };

inline constexpr const char* kTestToken = "integration-test-service-token-0123456789";

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

class ApiServer;
// Names a running server whose database (and data dir) another server should use.
struct SharedDatabase {
    const ApiServer& with;
};

class ApiServer {
public:
    explicit ApiServer(Backend backend, std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});
    // A second server process on the same database and data dir as `shared.with`.
    explicit ApiServer(SharedDatabase shared, std::vector<std::string> extra_args = {},
                       std::vector<std::string> env = {});

    HttpClient client(bool authenticated = true) const;
    // Direct access to the server's database, to check what was stored.
    std::unique_ptr<store::Database> open_database() const;
    ServerProcess& process() { return *process_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }
    // The PostgreSQL URL (empty on SQLite): with data_dir(), what a command-line tool needs
    // to work on this server's database.
    const std::string& db_url() const { return db_url_; }
    Backend backend() const { return backend_; }

private:
    void start(std::vector<std::string> extra_args, std::vector<std::string> env);

    Backend backend_;
    TempDir own_data_dir_;
    std::filesystem::path data_dir_;
    std::string db_url_;
    std::unique_ptr<ServerProcess> process_;
};

// Parametrised by backend; each test gets its own server.
class ApiTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override;
    std::unique_ptr<ApiServer> server_;
    std::optional<HttpClient> http_;
    HttpClient& http() { return *http_; }
};

}  // namespace ambient::testing
