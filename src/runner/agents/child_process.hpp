#pragma once
// A child process for an agent: argv run without a shell, in its own process group (so the
// whole tree it starts is signalled together), with pipes for stdin, stdout and stderr, an
// environment given in full, and a working directory. Killing the group is the only way it
// is stopped; the destructor does that and reaps the child.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ambient::runner {

class SpawnError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SpawnOptions {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // "NAME=value", the whole environment
    std::filesystem::path cwd;
};

class ChildProcess {
public:
    // Throws SpawnError (no such program, cannot be executed, cwd missing…).
    explicit ChildProcess(const SpawnOptions& options);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }

    // Writes all of `data` to the child's stdin (blocking). False when the child closed it.
    bool write_stdin(std::string_view data);
    void close_stdin();

    enum class Stream { Stdout, Stderr };
    struct Chunk {
        Stream stream;
        std::string data;  // empty with eof set: that stream ended
        bool eof = false;
    };
    // Waits up to `timeout` for output on stdout or stderr. nullopt: nothing arrived in time.
    // Once both streams ended, returns a chunk with eof on each call.
    std::optional<Chunk> read(std::chrono::milliseconds timeout);
    bool output_ended() const { return stdout_fd_ < 0 && stderr_fd_ < 0; }

    // Signals the process group (e.g. SIGINT, SIGTERM, SIGKILL).
    void signal_group(int sig);
    // Waits for the exit (reaping it) up to `timeout`; the exit code, 128+signal for a
    // signal, or nullopt when it is still running.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGTERM to the group, then SIGKILL after `grace`, and reaps. Returns the exit code.
    int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

private:
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::optional<int> exit_code_;
};

// The runner's own environment as "NAME=value" strings, minus the names in `drop` and
// minus every name starting with one of `drop_prefixes`.
std::vector<std::string> inherited_environment(const std::vector<std::string>& drop,
                                               const std::vector<std::string>& drop_prefixes = {});

}  // namespace ambient::runner
