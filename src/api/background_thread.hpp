#pragma once
// Threads of the server's own (LISTEN loop, event pruning) start with every signal blocked:
// SIGINT/SIGTERM belong to main()'s sigwait, and a thread that left them unblocked could take
// one and end the process without a graceful stop. The mask is set around the creation so
// that there is no window in which the new thread could take a signal.
#include <csignal>
#include <thread>
#include <utility>

#include <pthread.h>

namespace ambient::api {

template <typename Fn>
std::thread start_background_thread(Fn&& fn) {
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    std::thread thread(std::forward<Fn>(fn));
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return thread;
}

}  // namespace ambient::api
