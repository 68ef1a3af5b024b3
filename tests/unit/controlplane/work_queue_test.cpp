#include "controlplane/work_queue.hpp"

#include <gtest/gtest.h>

namespace ambient::controlplane {
namespace {

using namespace std::chrono_literals;
using Time = WorkQueue::Clock::time_point;

const Time t0 = Time() + 1000s;

TEST(WorkQueue, RepeatedAddsAreHandedOutOnce) {
    WorkQueue q;
    q.add("a");
    q.add("b");
    q.add("a");
    EXPECT_EQ(q.take(t0), "a");
    EXPECT_EQ(q.take(t0), "b");
    EXPECT_EQ(q.take(t0), std::nullopt);
}

TEST(WorkQueue, AnIdInProgressIsNotHandedOutAgainUntilDone) {
    WorkQueue q;
    q.add("a");
    ASSERT_EQ(q.take(t0), "a");
    q.add("a");  // a change arrives while "a" is being reconciled
    EXPECT_EQ(q.take(t0), std::nullopt);
    q.done("a", true, t0);
    EXPECT_EQ(q.take(t0), "a");  // and is reconciled once more, against the newest object
    q.done("a", true, t0);
    EXPECT_EQ(q.take(t0), std::nullopt);
    EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, AFailureComesBackAfterABackoffThatDoublesUpToTheCap) {
    WorkQueue q(1s, 60s);
    q.add("a");
    Time now = t0;
    const std::vector<std::chrono::seconds> expected = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s};
    for (const auto delay : expected) {
        ASSERT_EQ(q.take(now), "a");
        q.done("a", false, now);
        EXPECT_EQ(q.next_due(), now + delay);
        EXPECT_EQ(q.take(now + delay - 1ms), std::nullopt);
        now += delay;
    }
    EXPECT_EQ(q.failures("a"), 8);
    ASSERT_EQ(q.take(now), "a");
    q.done("a", true, now);
    EXPECT_EQ(q.failures("a"), 0);
    EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, AFailingIdNeverBlocksTheOthers) {
    WorkQueue q;
    q.add("bad");
    q.add("good");
    ASSERT_EQ(q.take(t0), "bad");
    q.done("bad", false, t0);
    EXPECT_EQ(q.take(t0), "good");
    q.done("good", true, t0);
    q.add("new");
    EXPECT_EQ(q.take(t0), "new");
    EXPECT_EQ(q.take(t0 + 1s), "bad");
}

TEST(WorkQueue, ANewChangeCutsTheBackoffShort) {
    WorkQueue q;
    q.add("a");
    ASSERT_EQ(q.take(t0), "a");
    q.done("a", false, t0);
    q.add("a");
    EXPECT_EQ(q.take(t0), "a");
    q.done("a", false, t0);
    EXPECT_EQ(q.next_due(), t0 + 2s);  // the failures still count
}

TEST(WorkQueue, AFailureWithAChangePendingIsRetriedAtOnce) {
    WorkQueue q;
    q.add("a");
    ASSERT_EQ(q.take(t0), "a");
    q.add("a");
    q.done("a", false, t0);
    EXPECT_EQ(q.take(t0), "a");
}

TEST(WorkQueue, NextDue) {
    WorkQueue q;
    EXPECT_EQ(q.next_due(), std::nullopt);
    q.add("a");
    EXPECT_EQ(q.next_due(), Time::min());
    ASSERT_EQ(q.take(t0), "a");
    EXPECT_EQ(q.next_due(), std::nullopt);  // in progress: nothing to wake for
    q.done("a", false, t0);
    EXPECT_EQ(q.next_due(), t0 + 1s);
}

}  // namespace
}  // namespace ambient::controlplane
