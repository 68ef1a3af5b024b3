#include "common/buffered_log_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ambient {
namespace {

// A temporary file the sink writes to, read back whole.
class LogFile {
public:
    LogFile() {
        std::string pattern = ::testing::TempDir() + "buffered_log_XXXXXX";
        fd_ = ::mkstemp(pattern.data());
        path_ = pattern;
    }
    ~LogFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    std::string text() const {
        std::ifstream in(path_);
        std::stringstream all;
        all << in.rdbuf();
        return all.str();
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(text());
        for (std::string line; std::getline(in, line);)
            out.push_back(line);
        return out;
    }

private:
    int fd_ = -1;
    std::string path_;
};

std::shared_ptr<spdlog::logger> logger_on(const std::shared_ptr<BufferedFdSink>& sink) {
    auto logger = std::make_shared<spdlog::logger>("buffered-test", sink);
    logger->set_pattern("%v");
    return logger;
}

TEST(BufferedFdSink, HoldsLinesUntilFlushed) {
    LogFile file;
    auto sink = std::make_shared<BufferedFdSink>(file.fd());
    auto logger = logger_on(sink);
    logger->info("GET /api/ambient 200 0.10ms op=1");
    EXPECT_EQ(file.text(), "");
    logger->flush();
    EXPECT_EQ(file.text(), "GET /api/ambient 200 0.10ms op=1\n");
}

TEST(BufferedFdSink, WritesWholeLinesWhenTheBufferFills) {
    LogFile file;
    auto sink = std::make_shared<BufferedFdSink>(file.fd(), 64);
    auto logger = logger_on(sink);
    for (int i = 0; i < 10; ++i)
        logger->info("line {:02} of twenty bytes", i);
    // Some went out without a flush, and only whole lines did.
    const auto written = file.text();
    EXPECT_FALSE(written.empty());
    EXPECT_EQ(written.back(), '\n');
}

// One line per request from many threads at once, none lost or torn, and none left behind
// when the sink goes away without a flush (the process's orderly exit).
TEST(BufferedFdSink, LosesNoLineAtDestruction) {
    LogFile file;
    constexpr int kThreads = 4;
    constexpr int kLinesPerThread = 2500;
    {
        auto sink = std::make_shared<BufferedFdSink>(file.fd(), 4096);
        auto logger = logger_on(sink);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&logger, t] {
                for (int i = 0; i < kLinesPerThread; ++i)
                    logger->info("GET /api/ambient/v1/projects/p{} 200 op={}-{}", i, t, i);
            });
        }
        for (auto& thread : threads)
            thread.join();
    }
    const auto lines = file.lines();
    ASSERT_EQ(lines.size(), std::size_t{kThreads * kLinesPerThread});
    std::set<std::string> distinct(lines.begin(), lines.end());
    EXPECT_EQ(distinct.size(), lines.size());
    for (const auto& line : lines)
        EXPECT_EQ(line.rfind("GET /api/ambient/v1/projects/p", 0), 0u) << line;
}

}  // namespace
}  // namespace ambient
