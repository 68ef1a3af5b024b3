#pragma once
// The runner's log: one JSON object per line on stderr, for whatever collects the logs of a
// pod or a sandbox to parse:
//   {"time":"2026-12-07T00:36:25.123Z","level":"info","logger":"ambient-runner","message":"…",…}
// followed by the fields given at install and those of any ScopedLogFields alive on the
// logging thread. The message and every field pass through the Redactor when the line is
// written: a secret value given to add_secrets never reaches the log, whatever a caller
// formatted into it.
#include <mutex>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/sinks/base_sink.h>
#include <nlohmann/json.hpp>

namespace ambient::runner {

class Redactor;

inline constexpr std::string_view kRunnerLoggerName = "ambient-runner";

// Installs, as spdlog's default logger, one that writes JSON lines to stderr from `level` up,
// with `fields` (an object, e.g. {"session_id": …}) on every line. `redactor` must outlive
// every later log call: main declares it before anything that logs.
void install_json_log(const Redactor& redactor, spdlog::level::level_enum level,
                      nlohmann::json fields = nlohmann::json::object());

// LOG_LEVEL's value: trace, debug, info, warn (or warning), error, critical (or fatal), off,
// in any case, blanks around ignored. Anything else, and an empty value, is info (as upstream).
spdlog::level::level_enum parse_log_level(std::string_view text);

// The sink install_json_log uses, writing to any descriptor (tests write to a file).
class JsonLogSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    JsonLogSink(const Redactor& redactor, int fd, nlohmann::json fields = nlohmann::json::object());

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    const Redactor& redactor_;
    int fd_;
    nlohmann::ordered_json fields_;
};

// Adds fields to every line this thread logs while it lives (e.g. {"run_id": …} for a turn).
// Nested scopes add to the outer ones; an inner field replaces an outer one of the same name.
class ScopedLogFields {
public:
    explicit ScopedLogFields(const nlohmann::json& fields);
    ~ScopedLogFields();
    ScopedLogFields(const ScopedLogFields&) = delete;
    ScopedLogFields& operator=(const ScopedLogFields&) = delete;

private:
    nlohmann::ordered_json saved_;
};

}  // namespace ambient::runner
