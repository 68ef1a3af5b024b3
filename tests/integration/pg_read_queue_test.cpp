// Reads by id on PostgreSQL when every pooled connection is busy: they wait in the pool's
// queue on the I/O loop and are each answered once, correctly, without timing out.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_fixture.hpp"

namespace ambient::testing {
namespace {

double metric(const std::string& page, const std::string& name) {
    const std::regex line("(^|\n)" + name + " ([0-9.e+]+)");
    std::smatch m;
    return std::regex_search(page, m, line) ? std::stod(m[2]) : -1;
}

TEST(PgReadQueue, ReadsOutnumberingThePoolWaitInItsQueueAndAllAnswer) {
    ApiServer server(Backend::Postgres, {"--db-max-open-connections", "2"});
    auto http = server.client();
    ASSERT_EQ(http.post("/api/ambient/v1/projects", R"({"name":"queued"})").status, 201);

    constexpr int kClients = 24;
    constexpr int kReadsEach = 40;
    std::atomic<int> ok{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            auto client = server.client();
            for (int i = 0; i < kReadsEach; ++i) {
                const auto got = client.get("/api/ambient/v1/projects/queued");
                if (got.status == 200 && got.json().value("id", "") == "queued") {
                    ++ok;
                } else {
                    ++wrong;
                }
            }
        });
    }
    for (auto& t : clients)
        t.join();
    EXPECT_EQ(ok, kClients * kReadsEach);
    EXPECT_EQ(wrong, 0);

    const auto page = http.get("/metrics").body;
    EXPECT_GT(metric(page, "ambient_db_pool_waits_total"), 0) << "the pool was never contended";
    EXPECT_EQ(metric(page, "ambient_db_pool_timeouts_total"), 0);
    EXPECT_EQ(metric(page, "ambient_db_pool_in_use"), 0) << "a connection was not returned";
}

}  // namespace
}  // namespace ambient::testing
