#include "controlplane/phase_policy.hpp"

namespace ambient::controlplane {
namespace {

SessionAction wants_runner(const SessionSituation& s) {
    if (s.runner_present) return SessionAction::AwaitReady;
    return s.slot_free ? SessionAction::Provision : SessionAction::WaitForSlot;
}

}  // namespace

SessionAction decide(const SessionSituation& s) {
    if (s.deleted) return SessionAction::Remove;
    const auto phase = s.phase;
    // Never started: upstream provisions on CREATED; here nothing runs before /start (no
    // runner token can be minted for a session that is not Pending, Creating or Running).
    if (phase.empty()) return s.runner_present ? SessionAction::Halt : SessionAction::None;
    if (phase == "Pending" || phase == "Creating") return wants_runner(s);
    if (phase == "Running") {
        // No runner while Running: we restarted and could not adopt it, or it vanished
        // without our seeing it exit. Start it again (Creating, then Running).
        return s.runner_present ? SessionAction::None : wants_runner(s);
    }
    if (phase == "Stopping") return s.runner_present ? SessionAction::Stop : SessionAction::MarkStopped;
    if (phase == "Stopped" || phase == "Completed" || phase == "Failed") {
        return s.runner_present ? SessionAction::Halt : SessionAction::None;
    }
    // A phase this control plane does not know (a newer API server): touch nothing.
    return SessionAction::None;
}

const char* action_name(SessionAction action) {
    switch (action) {
        case SessionAction::None:
            return "none";
        case SessionAction::Provision:
            return "provision";
        case SessionAction::WaitForSlot:
            return "wait-for-slot";
        case SessionAction::AwaitReady:
            return "await-ready";
        case SessionAction::Stop:
            return "stop";
        case SessionAction::Halt:
            return "halt";
        case SessionAction::MarkStopped:
            return "mark-stopped";
        case SessionAction::Remove:
            return "remove";
    }
    return "none";
}

}  // namespace ambient::controlplane
