// SIGTERM as an orchestrator sends it, with a thousand watch streams open and writes in
// flight: every stream ends cleanly (the chunked body's last chunk, not a cut connection),
// the server exits 0 within --shutdown-grace, and every write it acknowledged is stored.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kStreams = 1000;
constexpr auto kGrace = 10s;

// One watch stream on a raw socket: the test holds a thousand, so they are read together
// with poll(2) rather than a thread each.
struct Stream {
    int fd = -1;
    std::string received;
    bool closed = false;
};

int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    return fd;
}

// Reads what is available on every open stream until `done` holds for all of them or the
// deadline passes; false on the deadline.
template <class Done>
bool read_streams(std::vector<Stream>& streams, Clock::time_point deadline, Done done) {
    std::vector<pollfd> fds;
    std::vector<Stream*> owners;
    char chunk[4096];
    while (Clock::now() < deadline) {
        fds.clear();
        owners.clear();
        for (auto& stream : streams) {
            if (stream.closed || done(stream)) continue;
            fds.push_back({stream.fd, POLLIN, 0});
            owners.push_back(&stream);
        }
        if (fds.empty()) return true;
        if (::poll(fds.data(), fds.size(), 200) < 0) return false;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            const auto n = ::recv(fds[i].fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                owners[i]->closed = true;
            } else {
                owners[i]->received.append(chunk, static_cast<std::size_t>(n));
            }
        }
    }
    return false;
}

bool headers_in(const Stream& stream) {
    return stream.received.find("\r\n\r\n") != std::string::npos;
}

class GracefulShutdown : public ::testing::TestWithParam<Backend> {};

TEST_P(GracefulShutdown, AThousandStreamsEndCleanlyAndNoAcknowledgedWriteIsLost) {
    ApiServer server(GetParam(), {"--max-connections-per-ip", "0", "--max-streams-per-principal", "2000",
                                  "--shutdown-grace", std::to_string(kGrace.count()) + "s"});
    const auto port = server.process().port();

    std::vector<Stream> streams(kStreams);
    const std::string request = std::string("GET /api/ambient/v1/projects?watch=true HTTP/1.1\r\nHost: test\r\n") +
                                "Authorization: Bearer " + kTestToken + "\r\n\r\n";
    for (auto& stream : streams) {
        stream.fd = connect_to(port);
        ASSERT_GE(stream.fd, 0) << "connect failed: " << std::strerror(errno);
        ASSERT_EQ(::send(stream.fd, request.data(), request.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(request.size()));
    }
    ASSERT_TRUE(read_streams(streams, Clock::now() + 60s, headers_in)) << "not every stream opened";
    for (const auto& stream : streams) {
        ASSERT_EQ(stream.received.rfind("HTTP/1.1 200", 0), 0U) << stream.received.substr(0, 300);
    }

    // Writes keep coming while the server shuts down: each one it acknowledges must be
    // stored, whatever happens to those it refuses or never answers.
    std::atomic<bool> writing{true};
    std::atomic<int> acknowledged_count{0};
    std::vector<std::string> acknowledged;
    std::thread writer([&] {
        auto client = server.client();
        for (int i = 0; writing.load(); ++i) {
            const auto name = "drain-" + std::to_string(i);
            try {
                const auto created = client.post("/api/ambient/v1/projects", R"({"name":")" + name + R"("})");
                if (created.status == 201) {
                    acknowledged.push_back(name);
                    ++acknowledged_count;
                }
            } catch (const std::exception&) {
                return;  // the server is gone: nothing more will be acknowledged
            }
        }
    });
    const auto writes_started = Clock::now() + 30s;
    while (acknowledged_count.load() < 20 && Clock::now() < writes_started)
        std::this_thread::sleep_for(10ms);
    ASSERT_GE(acknowledged_count.load(), 20);

    const auto signalled = Clock::now();
    int exit_code = -1;
    std::thread stopper([&] { exit_code = server.process().stop(kGrace + 20s); });
    // Every stream ends, and ends cleanly: chunked encoding's last chunk, then the close.
    const bool all_ended = read_streams(streams, signalled + kGrace + 10s, [](const Stream&) { return false; });
    const auto streams_ended = Clock::now() - signalled;
    stopper.join();
    writing = false;
    writer.join();
    EXPECT_TRUE(all_ended) << "some streams were still open after the grace";
    EXPECT_EQ(exit_code, 0);
    EXPECT_LT(streams_ended, kGrace) << "the streams waited for the grace to run out";
    std::size_t clean = 0;
    for (auto& stream : streams) {
        const auto& r = stream.received;
        if (stream.closed && r.size() >= 5 && r.compare(r.size() - 5, 5, "0\r\n\r\n") == 0) ++clean;
        ::close(stream.fd);
    }
    EXPECT_EQ(clean, kStreams);

    ApiServer restarted(SharedDatabase{server});
    auto client = restarted.client();
    for (const auto& name : acknowledged) {
        const auto found = client.get("/api/ambient/v1/projects?search=" + url_encode("name = '" + name + "'"));
        ASSERT_EQ(found.status, 200);
        EXPECT_EQ(found.json()["total"], 1) << name << " was acknowledged but is not stored";
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, GracefulShutdown, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         backend_name);

}  // namespace
}  // namespace ambient::testing
