// Responses that wait on a socket (PendingResponse), answered on the connection's I/O loop:
// the socket here is a pipe's read end, which the test makes readable when it likes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/api_error.hpp"
#include "common/http/server.hpp"
#include "common/may_block.hpp"
#include "support/http_client.hpp"

namespace ambient::http {
namespace {

using namespace std::chrono_literals;
using ambient::testing::HttpClient;

class Pipe {
public:
    Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
    ~Pipe() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    int read_end() const { return fds_[0]; }
    void write_byte() const { EXPECT_EQ(::write(fds_[1], "x", 1), 1); }

private:
    int fds_[2] = {-1, -1};
};

// Waits on the pipe; each readable byte is one step, and `answer` decides what that step
// yields (or throws). Records where each step ran.
class PipeResponse final : public PendingResponse {
public:
    using Answer = std::function<std::optional<Response>(int step)>;
    PipeResponse(const Pipe& pipe, Answer answer, std::vector<bool>& may_block_seen)
        : pipe_(pipe), answer_(std::move(answer)), may_block_seen_(may_block_seen) {}
    int socket() const override { return pipe_.read_end(); }
    std::optional<Response> advance() override {
        char byte = 0;
        EXPECT_EQ(::read(pipe_.read_end(), &byte, 1), 1);
        may_block_seen_.push_back(may_block());
        return answer_(++steps_);
    }

private:
    const Pipe& pipe_;
    Answer answer_;
    std::vector<bool>& may_block_seen_;
    int steps_ = 0;
};

class PendingResponseTest : public ::testing::Test {
protected:
    PendingResponseTest() {
        options_.port = 0;
        options_.io_threads = 1;  // so that a blocked I/O thread would show
    }
    void TearDown() override {
        if (server_) server_->stop();
    }

    // GET /pending answers through a PipeResponse on the I/O thread, and "worker" on a worker.
    void start(PipeResponse::Answer answer) {
        router_.add({"GET", "/pending",
                     [this](Request&) {
                         ++worker_calls_;
                         return Response::text(200, "worker");
                     },
                     true, "", "", Runs::OnIoThread,
                     [this, answer](Request&) -> IoAnswer {
                         return std::make_unique<PipeResponse>(pipe_, answer, may_block_seen_);
                     }});
        router_.add(
            {"GET", "/quick", [](Request&) { return Response::text(200, "quick"); }, true, "", "", Runs::OnIoThread});
        hooks_.after = [this](const Request&, int, double) { ++after_calls_; };
        server_ = std::make_unique<Server>(options_, router_, hooks_);
        server_->start();
    }

    // Makes the pipe readable `times` times, 50 ms apart, from another thread.
    std::thread feed(int times) {
        return std::thread([this, times] {
            for (int i = 0; i < times; ++i) {
                std::this_thread::sleep_for(50ms);
                pipe_.write_byte();
            }
        });
    }

    Pipe pipe_;
    ServerOptions options_;
    Router router_;
    ServerHooks hooks_;
    std::unique_ptr<Server> server_;
    std::atomic<int> worker_calls_{0};
    std::atomic<int> after_calls_{0};
    std::vector<bool> may_block_seen_;
};

// The I/O thread waits for the pipe on its loop, serving other connections meanwhile, and
// answers on the step that completes the response; no worker is involved.
TEST_F(PendingResponseTest, IsAnsweredOnTheIoLoopWithoutBlockingIt) {
    start([](int step) -> std::optional<Response> {
        if (step < 2) return std::nullopt;
        return Response::text(200, "answered after " + std::to_string(step) + " reads");
    });
    auto pending = std::async(std::launch::async, [port = server_->port()] {
        HttpClient client("127.0.0.1", port);
        return client.get("/pending");
    });
    std::this_thread::sleep_for(100ms);  // the request is waiting on the pipe
    HttpClient other("127.0.0.1", server_->port());
    const auto quick = other.get("/quick");
    EXPECT_EQ(quick.status, 200);
    EXPECT_EQ(pending.wait_for(0s), std::future_status::timeout);

    auto feeder = feed(2);
    const auto r = pending.get();
    feeder.join();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "answered after 2 reads");
    EXPECT_EQ(worker_calls_, 0);
    EXPECT_EQ(may_block_seen_, (std::vector<bool>{false, false}));
    EXPECT_EQ(after_calls_, 2);  // /quick and /pending, each logged once
}

// A step that finds it would have to block after all runs the request again on a worker.
TEST_F(PendingResponseTest, ThatWouldBlockRunsAgainOnAWorker) {
    start([](int) -> std::optional<Response> { throw WouldBlock(); });
    auto feeder = feed(1);
    HttpClient client("127.0.0.1", server_->port());
    const auto r = client.get("/pending");
    feeder.join();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "worker");
    EXPECT_EQ(worker_calls_, 1);
    EXPECT_EQ(after_calls_, 1);
}

// A step that fails answers its error like a handler (a lost database connection: 503).
TEST_F(PendingResponseTest, ThatFailsAnswersItsError) {
    start([](int) -> std::optional<Response> { throw ApiError::database_unavailable("connection lost"); });
    auto feeder = feed(1);
    HttpClient client("127.0.0.1", server_->port());
    const auto r = client.get("/pending");
    feeder.join();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(worker_calls_, 0);
}

}  // namespace
}  // namespace ambient::http
