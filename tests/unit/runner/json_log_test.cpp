// The runner's JSON log: each line is one JSON object with time, level, logger and message,
// the secrets given to the Redactor never in it.
#include "runner/json_log.hpp"

#include <stdio.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/crypto/base64.hpp"
#include "runner/redaction.hpp"

namespace ambient::runner {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "log-secret-value-1234";

// A logger writing to a temporary file, and the file's lines.
class JsonLogFile {
public:
    JsonLogFile(const Redactor& redactor, json fields = json::object()) : file_(std::tmpfile()) {
        logger_ = std::make_shared<spdlog::logger>(
            "ambient-runner", std::make_shared<JsonLogSink>(redactor, fileno(file_), std::move(fields)));
        logger_->set_level(spdlog::level::trace);
    }
    ~JsonLogFile() { std::fclose(file_); }
    spdlog::logger& logger() { return *logger_; }
    std::vector<std::string> lines() const { return read_lines(fileno(file_)); }

    static std::vector<std::string> read_lines(int fd) {
        std::string all;
        char buf[4096];
        ::lseek(fd, 0, SEEK_SET);
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
            all.append(buf, static_cast<std::size_t>(n));
        std::vector<std::string> out;
        std::istringstream in(all);
        for (std::string line; std::getline(in, line);)
            out.push_back(line);
        EXPECT_TRUE(all.empty() || all.back() == '\n') << "the last line is not ended";
        return out;
    }

private:
    std::FILE* file_;
    std::shared_ptr<spdlog::logger> logger_;
};

TEST(JsonLog, EachLineIsOneJsonObjectWithTheSecretRedacted) {
    Redactor redactor;
    redactor.add_secrets({kSecret});
    JsonLogFile log(redactor, {{"session_id", "2abc"}});
    log.logger().info("Successfully fetched github credentials");
    log.logger().warn("fetched token {} (base64 {})", kSecret, crypto::base64_encode(kSecret));
    log.logger().error("multi\nline \"quoted\" message with ghp_{}", std::string(36, 'a'));

    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 3u);
    const std::regex rfc3339_ms(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    const char* levels[] = {"info", "warn", "error"};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].find(kSecret), std::string::npos) << lines[i];
        EXPECT_EQ(lines[i].find(crypto::base64_encode(kSecret)), std::string::npos) << lines[i];
        const auto j = json::parse(lines[i]);  // throws, failing the test, if not JSON
        ASSERT_TRUE(j.is_object());
        EXPECT_TRUE(std::regex_match(j.at("time").get<std::string>(), rfc3339_ms)) << j["time"];
        EXPECT_EQ(j.at("level"), levels[i]);
        EXPECT_EQ(j.at("logger"), "ambient-runner");
        EXPECT_EQ(j.at("session_id"), "2abc");
        // The fixed keys come first, in this order, for a reader of the raw line.
        EXPECT_EQ(lines[i].rfind(R"({"time":")", 0), 0u) << lines[i];
    }
    EXPECT_EQ(json::parse(lines[0])["message"], "Successfully fetched github credentials");
    EXPECT_EQ(json::parse(lines[1])["message"], "fetched token [REDACTED] (base64 [REDACTED])");
    EXPECT_EQ(json::parse(lines[2])["message"], "multi\nline \"quoted\" message with [REDACTED]");
}

TEST(JsonLog, ASecretAddedAfterInstallIsRedactedFromThenOn) {
    Redactor redactor;
    JsonLogFile log(redactor);
    redactor.add_secrets({kSecret});
    log.logger().info("now {}", kSecret);
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(json::parse(lines[0])["message"], "now [REDACTED]");
}

TEST(JsonLog, FieldsAreRedactedToo) {
    Redactor redactor;
    redactor.add_secrets({kSecret});
    JsonLogFile log(redactor, {{"token", kSecret}});
    {
        ScopedLogFields turn({{"run_id", "r1"}, {"detail", std::string("x ") + kSecret}});
        log.logger().info("in a turn");
        {
            ScopedLogFields inner(json{{"run_id", "r2"}});
            log.logger().info("inner");
        }
        log.logger().info("outer again");
    }
    log.logger().info("after the turn");
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 4u);
    for (const auto& line : lines)
        EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
    const auto first = json::parse(lines[0]);
    EXPECT_EQ(first["token"], "[REDACTED]");
    EXPECT_EQ(first["run_id"], "r1");
    EXPECT_EQ(first["detail"], "x [REDACTED]");
    EXPECT_EQ(json::parse(lines[1])["run_id"], "r2");
    EXPECT_EQ(json::parse(lines[2])["run_id"], "r1");
    EXPECT_FALSE(json::parse(lines[3]).contains("run_id"));
}

TEST(JsonLog, InvalidUtf8StillMakesAJsonLine) {
    Redactor redactor;
    JsonLogFile log(redactor);
    log.logger().info("bytes {}", std::string("\xff\xfe ok \xC3", 7));
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(json::accept(lines[0])) << lines[0];
}

TEST(JsonLog, InstallMakesTheDefaultLoggerWriteToStderr) {
    Redactor redactor;
    redactor.add_secrets({kSecret});
    auto previous = spdlog::default_logger();
    std::FILE* capture = std::tmpfile();
    const int saved_stderr = ::dup(STDERR_FILENO);
    ::dup2(fileno(capture), STDERR_FILENO);

    install_json_log(redactor, spdlog::level::info);
    spdlog::debug("below the level {}", kSecret);
    spdlog::info("the token is {}", kSecret);

    ::dup2(saved_stderr, STDERR_FILENO);
    ::close(saved_stderr);
    spdlog::set_default_logger(previous);

    const auto lines = JsonLogFile::read_lines(fileno(capture));
    std::fclose(capture);
    ASSERT_EQ(lines.size(), 1u);
    const auto j = json::parse(lines[0]);
    EXPECT_EQ(j["message"], "the token is [REDACTED]");
    EXPECT_EQ(j["logger"], "ambient-runner");
    EXPECT_EQ(j["level"], "info");
}

TEST(JsonLog, ParseLogLevel) {
    const std::vector<std::pair<const char*, spdlog::level::level_enum>> cases = {
        {"trace", spdlog::level::trace},    {"debug", spdlog::level::debug},  {"DEBUG", spdlog::level::debug},
        {"info", spdlog::level::info},      {" Info\n", spdlog::level::info}, {"warn", spdlog::level::warn},
        {"warning", spdlog::level::warn},   {"error", spdlog::level::err},    {"critical", spdlog::level::critical},
        {"fatal", spdlog::level::critical}, {"off", spdlog::level::off},      {"", spdlog::level::info},
        {"verbose", spdlog::level::info},   {"10", spdlog::level::info},
    };
    for (const auto& [text, level] : cases)
        EXPECT_EQ(parse_log_level(text), level) << '"' << text << '"';
}

}  // namespace
}  // namespace ambient::runner
