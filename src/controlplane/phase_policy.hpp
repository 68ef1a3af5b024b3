#pragma once
// What the reconciler does for one session, decided from its phase (as the API server last
// told us) and what the runtime holds for it. Plain logic: the table in docs/control-plane.md
// ("Reconciler") is this function, and its test is that table.
#include <string_view>

namespace ambient::controlplane {

enum class SessionAction {
    None,
    Provision,    // write Creating, start a runner; Running once its /health answers
    WaitForSlot,  // wants a runner but --max-sessions are live: stays Pending, retried when one ends
    AwaitReady,   // a runner exists and the phase is not Running yet: wait for /health, write Running
    Stop,         // SIGTERM, SIGKILL after the grace; then write Stopped
    Halt,         // stop the runner but write nothing (a terminal phase someone else wrote wins)
    MarkStopped,  // no runner to stop: write Stopped
    Remove,       // the session is gone: stop its runner if any, remove its directory
};

struct SessionSituation {
    std::string_view phase;  // "" for a session created and never started
    bool deleted = false;    // a DELETED event, or absent from a list
    bool runner_present = false;
    bool slot_free = true;  // fewer than --max-sessions runners are live
};

SessionAction decide(const SessionSituation& s);

const char* action_name(SessionAction action);

}  // namespace ambient::controlplane
