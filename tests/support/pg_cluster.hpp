#pragma once
// A throwaway PostgreSQL cluster for the test process: started on first use on a free
// local port in a /tmp directory, stopped and removed at process exit. Each test takes a
// fresh database from it. When AMBIENT_TEST_PG_URL is set, that server is used instead and
// nothing is started.
//
// Test executables that use this must link libpq (ambient_store brings it in).
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ambient::testing {

class PgCluster {
public:
    // The process-wide cluster, started on the first call. Throws std::runtime_error with
    // the tail of the server log when it cannot start (and again on every later call).
    static PgCluster& shared();
    // A cluster of the caller's own (never AMBIENT_TEST_PG_URL's), for tests that stop,
    // restart or kill it: unlike the shared one it commits durably (synchronous_commit on),
    // so that an acknowledged write survives an immediate shutdown or a killed postmaster.
    // Stopped and removed when destroyed.
    static std::unique_ptr<PgCluster> start_own();

    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;
    ~PgCluster();

    // URL of the maintenance database ("postgres"), e.g.
    // postgresql://postgres@127.0.0.1:54321/postgres.
    std::string url() const;
    // Creates an empty database named after `name_hint` (made unique, reduced to
    // [a-z0-9_]) and returns its URL.
    std::string create_database(std::string name_hint);
    // Drops a database made by create_database, given its URL or name, closing any
    // connections still open to it. Missing databases are ignored.
    void drop_database(const std::string& url_or_name);

    // The server's log file; empty when using AMBIENT_TEST_PG_URL.
    const std::string& log_path() const { return server_log_; }
    // True when AMBIENT_TEST_PG_URL named the server.
    bool external() const { return external_; }

    // Faults, for a cluster of one's own; each returns once pg_ctl has finished (the server
    // accepts connections again after restart() and start_server()). `mode`: smart, fast or
    // immediate, as pg_ctl's -m.
    void restart(const std::string& mode);
    void stop_server(const std::string& mode);
    // Starts the stopped (or killed) server again on the same port, waiting until it
    // accepts connections.
    void start_server();
    // SIGKILLs the postmaster and waits until it is gone (its backends notice and exit).
    void kill_postmaster();

private:
    explicit PgCluster(bool durable);
    void start();
    // pg_ctl start on port_; its exit status.
    int launch();
    std::string server_options() const;
    void stop() noexcept;
    int run(const std::vector<std::string>& argv);
    std::string url_for(const std::string& database) const;

    bool external_ = false;
    bool durable_ = false;
    std::string external_url_;
    pid_t owner_pid_ = 0;
    std::string bin_dir_;
    std::string root_dir_;  // /tmp/ambient-pgtest-XXXXXX
    std::string data_dir_;
    std::string server_log_;
    std::string command_log_;
    int port_ = 0;
    bool running_ = false;
    std::mutex mutex_;
    std::uint64_t next_database_ = 0;
};

}  // namespace ambient::testing
