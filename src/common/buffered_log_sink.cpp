#include "common/buffered_log_sink.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "common/server_log_format.hpp"

namespace ambient {

BufferedFdSink::BufferedFdSink(int fd, std::size_t capacity) : fd_(fd), capacity_(capacity) {
    buffer_.reserve(capacity_);
}

BufferedFdSink::~BufferedFdSink() {
    std::lock_guard lock(mutex_);
    write_out();
}

void BufferedFdSink::sink_it_(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    // Whole lines only: a line never straddles two writes, so a reader of the file (or of a
    // pipe shared with other writers) never sees half of one.
    if (buffer_.size() + formatted.size() > capacity_) write_out();
    buffer_.append(formatted.data(), formatted.size());
}

void BufferedFdSink::flush_() {
    write_out();
}

void BufferedFdSink::write_out() {
    std::string_view rest(buffer_);
    while (!rest.empty()) {
        const auto n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        // A log that cannot be written has nowhere to report it; drop the lines rather than
        // hold the process (or grow without bound).
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    buffer_.clear();
}

void install_server_logger(const std::string& name) {
    std::shared_ptr<spdlog::logger> logger;
    if (::isatty(STDERR_FILENO) != 0) {
        logger = spdlog::stderr_color_mt(name);
    } else {
        logger = std::make_shared<spdlog::logger>(name, std::make_shared<BufferedFdSink>(STDERR_FILENO));
    }
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
    spdlog::set_formatter(std::make_unique<ServerLogFormat>());
}

}  // namespace ambient
