#pragma once
// The reconciler's thread. The Reconciler is single-threaded plain logic; this loop is the
// one place that calls it, under one lock: it forwards what the watch clients queued and what
// the runtime reports, and runs step() whenever an id is due — waking on a change or at the
// work queue's next due time, never polling.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "controlplane/reconciler.hpp"
#include "controlplane/runtime.hpp"
#include "controlplane/watch_event.hpp"

namespace ambient::controlplane {

class ReconcileLoop {
public:
    ReconcileLoop(Reconciler& reconciler, EventQueue& events);
    ~ReconcileLoop();
    ReconcileLoop(const ReconcileLoop&) = delete;
    ReconcileLoop& operator=(const ReconcileLoop&) = delete;

    // What the runtime's listener should call (from any thread).
    Runtime::Listener listener();

    // Starts the two threads: one forwards the EventQueue, one reconciles.
    void start();
    // Ends both once the current step is done; the EventQueue must be closed by the caller
    // (the watch clients' producer side) or it is closed here.
    void stop();

    // Sessions known by phase ("" for never started), and reconcile errors: for /metrics.
    std::map<std::string, std::size_t> sessions_by_phase() const;
    std::uint64_t reconcile_errors() const;

private:
    void forward_events();
    void reconcile();

    Reconciler& reconciler_;
    EventQueue& events_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::thread forwarder_;
    std::thread worker_;
};

}  // namespace ambient::controlplane
