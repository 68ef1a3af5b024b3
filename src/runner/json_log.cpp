#include "runner/json_log.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include "runner/redaction.hpp"

namespace ambient::runner {
namespace {

thread_local nlohmann::ordered_json scoped_fields = nlohmann::ordered_json::object();

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

// RFC 3339, UTC, milliseconds: "2026-12-07T00:36:25.123Z".
std::string format_time(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    long fraction = static_cast<long>(ms % 1000);
    if (fraction < 0) {
        fraction += 1000;
        seconds -= 1;
    }
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, fraction);
    return buf;
}

// One write per line where the kernel allows, so that lines of several processes sharing
// the descriptor do not interleave.
void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // nowhere to report a log that cannot be written
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

JsonLogSink::JsonLogSink(const Redactor& redactor, int fd, nlohmann::json fields)
    : redactor_(redactor),
      fd_(fd),
      fields_(fields.is_object() ? nlohmann::ordered_json(fields) : nlohmann::ordered_json::object()) {}

void JsonLogSink::sink_it_(const spdlog::details::log_msg& msg) {
    nlohmann::ordered_json line;
    line["time"] = format_time(msg.time);
    line["level"] = level_name(msg.level);
    line["logger"] = msg.logger_name.size() ? std::string(msg.logger_name.data(), msg.logger_name.size())
                                            : std::string(kRunnerLoggerName);
    line["message"] = redactor_.redact(std::string_view(msg.payload.data(), msg.payload.size()));
    for (const auto* fields : {&fields_, &scoped_fields}) {
        for (const auto& [key, value] : fields->items()) {
            if (key == "time" || key == "level" || key == "logger" || key == "message") continue;
            nlohmann::json redacted = value;
            redactor_.redact_json(redacted);
            line[redactor_.redact(key)] = redacted;
        }
    }
    auto text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text += '\n';
    write_all(fd_, text);
}

void install_json_log(const Redactor& redactor, spdlog::level::level_enum level, nlohmann::json fields) {
    auto sink = std::make_shared<JsonLogSink>(redactor, STDERR_FILENO, std::move(fields));
    auto logger = std::make_shared<spdlog::logger>(std::string(kRunnerLoggerName), std::move(sink));
    logger->set_level(level);
    logger->flush_on(spdlog::level::trace);  // the sink does not buffer; nothing to lose on a crash
    spdlog::set_default_logger(std::move(logger));
}

spdlog::level::level_enum parse_log_level(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    std::string lower(text);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "trace") return spdlog::level::trace;
    if (lower == "debug") return spdlog::level::debug;
    if (lower == "warn" || lower == "warning") return spdlog::level::warn;
    if (lower == "error") return spdlog::level::err;
    if (lower == "critical" || lower == "fatal") return spdlog::level::critical;
    if (lower == "off") return spdlog::level::off;
    return spdlog::level::info;
}

ScopedLogFields::ScopedLogFields(const nlohmann::json& fields) : saved_(scoped_fields) {
    if (!fields.is_object()) return;
    for (const auto& [key, value] : fields.items())
        scoped_fields[key] = nlohmann::ordered_json(value);
}

ScopedLogFields::~ScopedLogFields() {
    scoped_fields = std::move(saved_);
}

}  // namespace ambient::runner
