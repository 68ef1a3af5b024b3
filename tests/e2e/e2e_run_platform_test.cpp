// `make run` (scripts/run-platform): the API server and the control plane together on the
// embedded defaults serve a session with the echo agent, and one Ctrl-C — SIGINT to the
// terminal's foreground process group — stops every process of the platform, its runners
// included.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace ambient::testing::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The processes whose command line names `needle` (the test's own directory).
std::vector<pid_t> processes_naming(const std::string& needle) {
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto pid = static_cast<pid_t>(std::stol(name));
        if (pid != ::getpid() && cmdline.find(needle) != std::string::npos) found.push_back(pid);
    }
    return found;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto end = Clock::now() + deadline;
    while (!condition()) {
        if (Clock::now() > end) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

// The platform as `make run` starts it: the script in a process group of its own, as a
// terminal's foreground job; its stdout read line by line.
class RunPlatform {
public:
    RunPlatform(const fs::path& data_dir, const fs::path& log) {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
        const auto script = fs::path(AMBIENT_SOURCE_DIR) / "scripts" / "run-platform";
        const auto bin = binary_dir().string();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            ::dup2(out[1], STDOUT_FILENO);
            const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (err >= 0) ::dup2(err, STDERR_FILENO);
            ::setenv("BIN_DIR", bin.c_str(), 1);
            ::setenv("BIND", "127.0.0.1:0", 1);
            ::setenv("DATA_DIR", data_dir.c_str(), 1);
            ::setenv("METRICS_BIND", "127.0.0.1:0", 1);
            ::setenv("RUNNER_TYPE", "echo", 1);
            ::unsetenv("AMBIENT_API_TOKEN");
            ::execl("/bin/bash", "bash", script.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::setpgid(pid_, pid_);  // also here: whichever runs first
        ::close(out[1]);
        out_ = out[0];
    }
    ~RunPlatform() {
        if (!exited_) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    // The next stdout line matching `pattern` (its first group), or nullopt at the deadline.
    std::optional<std::string> wait_for_line(const std::regex& pattern, std::chrono::milliseconds deadline) {
        const auto end = Clock::now() + deadline;
        for (;;) {
            for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
                const auto line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                std::smatch m;
                if (std::regex_search(line, m, pattern)) return m[1].str();
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
            if (left <= 0) return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char chunk[4096];
            const auto n = ::read(out_, chunk, sizeof chunk);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Ctrl-C: SIGINT to the whole foreground group. The script's exit status, or nullopt
    // when it did not end within the deadline.
    std::optional<int> interrupt(std::chrono::milliseconds deadline) {
        ::kill(-pid_, SIGINT);
        const auto end = Clock::now() + deadline;
        while (Clock::now() < end) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return status;
            }
            std::this_thread::sleep_for(50ms);
        }
        return std::nullopt;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_;
    bool exited_ = false;
};

TEST(RunPlatform, ServesAnEchoSessionAndOneCtrlCStopsEveryProcess) {
    TempDir root;
    const auto data = root.path() / "data";
    RunPlatform platform(data, root.path() / "platform.log");

    const auto port =
        platform.wait_for_line(std::regex("ambient-api-server listening on 127\\.0\\.0\\.1:([0-9]+) "), 60s);
    ASSERT_TRUE(port) << "the API server did not start";
    ASSERT_TRUE(platform.wait_for_line(std::regex("ambient-control-plane listening on [^ ]+:([0-9]+) "), 60s))
        << "the control plane did not start";

    std::ifstream token_in(data / "api-token");
    std::string token;
    std::getline(token_in, token);
    ASSERT_FALSE(token.empty()) << "no generated service token in " << (data / "api-token");
    HttpClient api("127.0.0.1", static_cast<std::uint16_t>(std::stoi(*port)));
    api.set_bearer(token);
    const std::string base = "/api/ambient/v1";

    ASSERT_EQ(api.post(base + "/projects", R"({"name":"demo"})").status, 201);
    const auto created =
        api.post(base + "/sessions", R"({"name":"hello","project_id":"demo","prompt":"hello, platform"})");
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = created.json()["id"].get<std::string>();
    ASSERT_EQ(api.post(base + "/sessions/" + id + "/start", "").status, 200);

    // The README's quick start: Running, and the echo agent's answer in the conversation.
    std::string seen;
    const bool answered = eventually(
        [&] {
            seen = api.get(base + "/sessions/" + id + "/messages").body;
            return seen.find("echo: hello, platform") != std::string::npos;
        },
        30s);
    ASSERT_TRUE(answered) << "no echo answer; messages: " << seen;
    // The runner answers as soon as it runs; the control plane marks the session Running
    // once the runtime reports it ready, which may come a moment after the answer.
    std::string phase;
    EXPECT_TRUE(eventually(
        [&] {
            phase = api.get(base + "/sessions/" + id).json().value("phase", "");
            return phase == "Running";
        },
        10s))
        << "phase: " << phase;
    EXPECT_TRUE(fs::exists(data / "sessions" / id / "runner.log"));

    // Everything of the platform names the test's directory on its command line: the API
    // server, the control plane, and each runner's bwrap (binds under the data dir).
    const auto needle = root.path().string();
    EXPECT_GE(processes_naming(needle).size(), 3u);

    const auto status = platform.interrupt(30s);
    ASSERT_TRUE(status) << "the platform did not stop within 30 s of a Ctrl-C";
    std::vector<pid_t> left;
    EXPECT_TRUE(eventually(
        [&] {
            left = processes_naming(needle);
            return left.empty();
        },
        10s))
        << left.size() << " process(es) of the platform left after Ctrl-C, e.g. pid " << left.front();
}

}  // namespace
}  // namespace ambient::testing::e2e
