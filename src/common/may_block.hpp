#pragma once
// Whether the running code may block. Some routes' handlers run on the connection's I/O
// thread first (http::Runs::OnIoThread), sparing the hop to a worker and back — two thread
// switches that cost more than a read of one row. Code that would have to wait (for a pooled
// database connection, a lock, the network) asks may_block() first and, on such a thread,
// throws WouldBlock instead; the server then runs the request again on a worker. So the
// handlers of those routes must have no effect before they could block (reads do not).
#include <exception>

namespace ambient {

struct WouldBlock final : std::exception {
    const char* what() const noexcept override { return "would block an I/O thread"; }
};

// False inside a NonBlockingScope on this thread.
bool may_block() noexcept;

// Throws WouldBlock where blocking is not allowed.
inline void ensure_may_block() {
    if (!may_block()) throw WouldBlock();
}

// Marks the current thread as one that must not block, for the scope's lifetime.
class NonBlockingScope {
public:
    NonBlockingScope() noexcept;
    ~NonBlockingScope();
    NonBlockingScope(const NonBlockingScope&) = delete;
    NonBlockingScope& operator=(const NonBlockingScope&) = delete;

private:
    bool previous_;
};

}  // namespace ambient
