#include "controlplane/reconcile_loop.hpp"

#include <chrono>

namespace ambient::controlplane {

ReconcileLoop::ReconcileLoop(Reconciler& reconciler, EventQueue& events) : reconciler_(reconciler), events_(events) {}

ReconcileLoop::~ReconcileLoop() {
    stop();
}

Runtime::Listener ReconcileLoop::listener() {
    return {
        .ready =
            [this](const std::string& id) {
                std::lock_guard lock(mutex_);
                reconciler_.notify_ready(id);
                changed_.notify_all();
            },
        .exited =
            [this](const std::string& id, const RunnerExit& exit) {
                std::lock_guard lock(mutex_);
                reconciler_.notify_exited(id, exit);
                changed_.notify_all();
            },
    };
}

void ReconcileLoop::start() {
    forwarder_ = std::thread([this] { forward_events(); });
    worker_ = std::thread([this] { reconcile(); });
}

void ReconcileLoop::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_all();
    }
    events_.close();
    if (forwarder_.joinable()) forwarder_.join();
    if (worker_.joinable()) worker_.join();
}

void ReconcileLoop::forward_events() {
    // pop() returns nullopt once the queue is closed and drained; the long timeout only
    // bounds a wait that close() ends anyway.
    while (auto event = events_.pop(std::chrono::hours(1))) {
        std::lock_guard lock(mutex_);
        reconciler_.observe(*event);
        changed_.notify_all();
    }
}

void ReconcileLoop::reconcile() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        while (!stopping_ && reconciler_.step(WorkQueue::Clock::now())) {
        }
        if (stopping_) break;
        if (const auto due = reconciler_.next_due()) {
            changed_.wait_until(lock, *due);
        } else {
            changed_.wait(lock);
        }
    }
}

std::map<std::string, std::size_t> ReconcileLoop::sessions_by_phase() const {
    std::lock_guard lock(mutex_);
    return reconciler_.sessions_by_phase();
}

std::uint64_t ReconcileLoop::reconcile_errors() const {
    std::lock_guard lock(mutex_);
    return reconciler_.errors();
}

}  // namespace ambient::controlplane
