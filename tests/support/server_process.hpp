#pragma once
// Runs a real server binary for black-box tests: spawned with an argument vector, its
// port read from the "listening on HOST:PORT" line it prints, stopped with SIGTERM (and
// SIGKILL after a deadline) when the object goes away.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ambient::testing {

// The directory holding the built binaries: $AMBIENT_BIN_DIR, else build/bin.
std::filesystem::path binary_dir();

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

struct ProcessResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs a binary to completion (e.g. `migrate`), with a deadline.
ProcessResult run_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {},
                          std::chrono::seconds deadline = std::chrono::seconds(60));

class ServerProcess {
public:
    // `env` entries are "NAME=value", added to the test's environment.
    ServerProcess(const std::filesystem::path& binary, std::vector<std::string> args,
                  std::vector<std::string> env = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& host() const { return host_; }
    // Sends SIGTERM and waits for the exit; returns the exit status (or -1 on a signal).
    int stop(std::chrono::seconds deadline = std::chrono::seconds(15));
    // Everything the process wrote to stderr so far (its log).
    std::string log() const;
    // Everything it wrote to stdout so far, the listening line included (some programs log
    // there).
    std::string output() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::string host_;
    std::uint16_t port_ = 0;
    std::filesystem::path log_path_;
    std::filesystem::path output_path_;
    int exit_status_ = -1;
    bool exited_ = false;
};

}  // namespace ambient::testing
