#pragma once
// A log sink for a server that writes a line per request: lines collect in memory and go out
// in large writes, so that a request costs a formatted line in a buffer rather than a write(2)
// (and, for spdlog's console sinks, an fflush) on the thread that answers it.
//
// The buffer is written out when it fills, on every flush() and when the sink is destroyed,
// so no line is lost at an orderly exit. A server flushes it every kLogFlushInterval
// (spdlog::flush_every) and at once for warnings and errors, which an operator watching the log
// must not wait for.
#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ambient {

// Whole seconds: spdlog::flush_every takes no less.
inline constexpr std::chrono::seconds kLogFlushInterval{1};

class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // Writes to `fd`, which the caller keeps open for the sink's lifetime (stderr, a file).
    explicit BufferedFdSink(int fd, std::size_t capacity = 64 * 1024);
    ~BufferedFdSink() override;
    BufferedFdSink(const BufferedFdSink&) = delete;
    BufferedFdSink& operator=(const BufferedFdSink&) = delete;

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override;

private:
    void write_out();

    int fd_;
    std::size_t capacity_;
    std::string buffer_;
};

// Makes `name` the default logger, writing to stderr with the server's line format: buffered
// (above) when stderr is a file or a pipe, colored and immediate when it is a terminal, where
// a person reads as it happens; warnings and errors flush at once. The periodic flush is the
// caller's to start (spdlog::flush_every starts a thread, which must inherit the caller's
// signal mask); spdlog::shutdown() before exiting writes out the rest.
void install_server_logger(const std::string& name);

}  // namespace ambient
