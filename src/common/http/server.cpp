#include "common/http/server.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/http/connection.hpp"
#include "common/http/descriptor_limit.hpp"
#include "common/http/memory_release.hpp"
#include "common/http/timed_socket.hpp"

namespace ambient::http {
namespace net = boost::asio;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
// After shutdown_grace, connections are closed; this is how long they get to notice.
constexpr auto kForcedCloseWait = std::chrono::milliseconds(250);
// Connections taken from the listen queue before the accept thread's other work (the memory
// release timer) gets a turn.
constexpr int kAcceptBatch = 256;
// Refused connections are logged at most this often, with counts: a flood must not flood the log.
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);
// All a refused connection gets: it fits any socket's empty send buffer, so it is written
// without waiting, and no coroutine or buffer is spent on the client.
constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";

detail::ConnectionLimits limits_for(const ServerOptions& options) {
    return {options.max_connections != 0 ? options.max_connections : default_max_connections(descriptor_limit()),
            options.max_connections_per_client};
}
}  // namespace

// Member order is destruction order in reverse: the worker pool goes before the io_context
// (its queued completions post to it), and both go before the registry (coroutine frames
// destroyed with them deregister their connections).
struct Server::Impl {
    Impl(ServerOptions o, const Router& r, ServerHooks h)
        : options(std::move(o)),
          router(r),
          hooks(std::move(h)),
          limits(limits_for(options)),
          registry(limits),
          context{options, router, hooks, workers, stopping, registry, requests_finished},
          workers(std::max<std::size_t>(options.worker_threads, 1)) {
        const auto threads = std::max<std::size_t>(options.io_threads, 1);
        for (std::size_t i = 0; i < threads; ++i) {
            iocs.push_back(std::make_unique<net::io_context>(1));
            sweeps.push_back(std::make_unique<detail::DeadlineSweep>(*iocs.back()));
        }
    }

    net::awaitable<void> accept_loop();
    enum class Backlog { Empty, MayHoldMore, Failed };
    // Accepts up to kAcceptBatch connections from the listen queue.
    Backlog accept_pending();
    void admit(int fd, const tcp::endpoint& peer);
    void refuse(int fd, detail::ConnectionRegistry::Refusal why);
    net::awaitable<void> release_memory_loop();
    void log_connection_failure(std::exception_ptr error);

    ServerOptions options;
    const Router& router;
    ServerHooks hooks;
    std::atomic<bool> stopping{false};
    const detail::ConnectionLimits limits;
    detail::ConnectionRegistry registry;
    std::atomic<std::uint64_t> requests_finished{0};
    std::atomic<std::uint64_t> refused_per_client{0};
    std::atomic<std::uint64_t> refused_at_capacity{0};
    // Used by the accept loop only: refusals not yet logged, and when the last log line was.
    std::uint64_t refusals_unlogged = 0;
    std::optional<Clock::time_point> last_refusal_log;
    detail::ServerContext context;

    // One io_context per I/O thread, each run by that thread alone: a connection lives on one
    // of them, so its steps are serialized without a strand, and no lock or wakeup is shared
    // between threads on the request path (a shared io_context with a strand per connection
    // cost a third of the instructions of a small request; docs/performance.md).
    // Declared first, destroyed after the contexts: destroying a context destroys the
    // coroutines of its connections, whose sockets leave their sweep then.
    std::vector<std::unique_ptr<detail::DeadlineSweep>> sweeps;
    std::vector<std::unique_ptr<net::io_context>> iocs;
    // The next I/O context a connection goes to: used by the accept thread only.
    std::size_t next_ioc = 0;
    // Connections arrive from the accept thread: until stop(), the I/O threads must not
    // return from run() for lack of work.
    std::vector<net::executor_work_guard<net::io_context::executor_type>> ioc_work;
    // The listening socket has a thread of its own: however busy the I/O threads are with
    // connections, the listen queue is emptied at once, and a flood of connections that are
    // refused cannot fill it until the kernel drops other clients' SYNs.
    net::io_context accept_ioc{1};
    std::optional<tcp::acceptor> acceptor;
    std::optional<net::signal_set> signals;
    net::thread_pool workers;
    std::vector<std::thread> io_threads;
    std::thread accept_thread;
    std::uint16_t bound_port = 0;

    std::mutex lifecycle_mutex;
    std::condition_variable lifecycle_changed;
    bool started = false;
    bool stop_requested = false;  // by stop() or a signal
    bool stop_begun = false;
    bool stopped = false;
};

net::awaitable<void> Server::Impl::accept_loop() {
    for (;;) {
        boost::system::error_code ec;
        co_await acceptor->async_wait(tcp::acceptor::wait_read, net::redirect_error(net::use_awaitable, ec));
        if (stopping.load() || !acceptor->is_open()) co_return;
        auto backlog = ec ? Backlog::Failed : accept_pending();
        // Readiness is edge-triggered: keep accepting until the queue is empty, or an
        // arrival would be needed to notice what is left in it.
        while (backlog == Backlog::MayHoldMore) {
            co_await net::post(acceptor->get_executor(), net::use_awaitable);
            if (stopping.load() || !acceptor->is_open()) co_return;
            backlog = accept_pending();
        }
        if (backlog == Backlog::Failed) {
            // Out of descriptors and the like: back off instead of spinning.
            net::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
    }
}

// Plain accept4(2) rather than an asio accept: a connection that is refused must cost as
// little as possible (no socket object, no strand, no coroutine), since under a flood the
// refusals are what stands between a legitimate client's SYN and its accept.
Server::Impl::Backlog Server::Impl::accept_pending() {
    for (int i = 0; i < kAcceptBatch; ++i) {
        tcp::endpoint peer;
        socklen_t size = static_cast<socklen_t>(peer.capacity());
        const int fd = ::accept4(acceptor->native_handle(), peer.data(), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return Backlog::Empty;
            spdlog::warn("accept failed: {}", std::strerror(errno));
            return Backlog::Failed;
        }
        peer.resize(size);
        admit(fd, peer);
    }
    return Backlog::MayHoldMore;
}

void Server::Impl::admit(int fd, const tcp::endpoint& peer) {
    // Round-robin: wrk-like clients keep a few dozen connections open, and an even split of
    // them keeps every I/O thread busy (SO_REUSEPORT's address hash may not).
    const auto executor = iocs[next_ioc]->get_executor();
    auto& sweep = *sweeps[next_ioc];
    next_ioc = (next_ioc + 1) % iocs.size();
    auto admission = registry.admit(peer.address(), executor);
    if (!admission.state) {
        refuse(fd, admission.refusal);
        return;
    }
    boost::system::error_code ec;
    detail::IoSocket socket(executor);
    socket.assign(peer.protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        registry.remove(admission.state);
        return;
    }
    net::co_spawn(executor, detail::serve_connection(context, std::move(socket), sweep, std::move(admission.state)),
                  [this](std::exception_ptr error) { log_connection_failure(error); });
}

void Server::Impl::refuse(int fd, detail::ConnectionRegistry::Refusal why) {
    const bool per_client = why == detail::ConnectionRegistry::Refusal::PerClient;
    ++(per_client ? refused_per_client : refused_at_capacity);
    [[maybe_unused]] const auto sent = ::send(fd, kRefusal.data(), kRefusal.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::close(fd);

    ++refusals_unlogged;
    const auto now = Clock::now();
    if (last_refusal_log && now - *last_refusal_log < kRefusalLogInterval) return;
    spdlog::warn(
        "http: refused {} connection(s) since the last report ({} over the per-client cap of {}, {} at the "
        "cap of {} connections in all, since start)",
        refusals_unlogged, refused_per_client.load(), limits.max_per_client, refused_at_capacity.load(),
        limits.max_connections);
    refusals_unlogged = 0;
    last_refusal_log = now;
}

net::awaitable<void> Server::Impl::release_memory_loop() {
    net::steady_timer timer(acceptor->get_executor());
    std::uint64_t seen = requests_finished.load();
    for (;;) {
        timer.expires_after(options.memory_release_interval);
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (ec || stopping.load()) co_return;
        const auto finished = requests_finished.load();
        if (finished == seen) continue;
        seen = finished;
        net::post(workers, [] { release_free_memory(); });
    }
}

void Server::Impl::log_connection_failure(std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("connection failed: {}", e.what());
    } catch (...) {
        spdlog::error("connection failed with a non-standard exception");
    }
}

Server::Server(ServerOptions options, const Router& router, ServerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(hooks))) {}

Server::~Server() {
    stop();
}

void Server::start() {
    auto& s = *impl_;
    {
        std::lock_guard lock(s.lifecycle_mutex);
        if (s.started || s.stop_begun) throw std::logic_error("Server::start called twice");
    }
    const auto where = s.options.host + ":" + std::to_string(s.options.port);
    try {
        tcp::resolver resolver(*s.iocs.front());
        const auto endpoints = resolver.resolve(s.options.host, std::to_string(s.options.port), tcp::resolver::passive);
        const tcp::endpoint endpoint = *endpoints.begin();
        s.acceptor.emplace(s.accept_ioc);
        s.acceptor->open(endpoint.protocol());
        s.acceptor->set_option(tcp::acceptor::reuse_address(true));
        s.acceptor->bind(endpoint);
        s.acceptor->listen(net::socket_base::max_listen_connections);
        s.acceptor->non_blocking(true);
        s.bound_port = s.acceptor->local_endpoint().port();
    } catch (const boost::system::system_error& e) {
        s.acceptor.reset();
        throw std::runtime_error("cannot listen on " + where + ": " + e.code().message());
    }
    {
        std::lock_guard lock(s.lifecycle_mutex);
        s.started = true;
    }

    net::co_spawn(s.acceptor->get_executor(), s.accept_loop(), [&s](std::exception_ptr error) {
        if (error) s.log_connection_failure(error);
    });
    if (s.options.memory_release_interval.count() > 0) {
        net::co_spawn(s.acceptor->get_executor(), s.release_memory_loop(), [&s](std::exception_ptr error) {
            if (error) s.log_connection_failure(error);
        });
    }
    for (auto& ioc : s.iocs) {
        s.ioc_work.push_back(net::make_work_guard(*ioc));
        s.io_threads.emplace_back([&ioc = *ioc] { ioc.run(); });
    }
    s.accept_thread = std::thread([&s] { s.accept_ioc.run(); });
    spdlog::info("http: accepting connections at {}:{} (at most {} open, {} per client address)", s.options.host,
                 s.bound_port, s.limits.max_connections,
                 s.limits.max_per_client == 0 ? std::string("no cap") : std::to_string(s.limits.max_per_client));
}

std::uint16_t Server::port() const {
    return impl_->bound_port;
}

void Server::run_until_signal() {
    auto& s = *impl_;
    s.signals.emplace(*s.iocs.front(), SIGINT, SIGTERM);
    s.signals->async_wait([&s](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("signal {} received, shutting down", signal);
        std::lock_guard lock(s.lifecycle_mutex);
        s.stop_requested = true;
        s.lifecycle_changed.notify_all();
    });
    {
        std::unique_lock lock(s.lifecycle_mutex);
        s.lifecycle_changed.wait(lock, [&s] { return s.stop_requested; });
    }
    stop();
}

void Server::stop() {
    auto& s = *impl_;
    {
        std::unique_lock lock(s.lifecycle_mutex);
        s.stop_requested = true;
        s.lifecycle_changed.notify_all();
        if (s.stop_begun) {
            s.lifecycle_changed.wait(lock, [&s] { return s.stopped; });
            return;
        }
        s.stop_begun = true;
    }

    if (s.started) {
        s.stopping.store(true);
        if (s.hooks.stopping) s.hooks.stopping();
        net::post(s.acceptor->get_executor(), [&s] {
            boost::system::error_code ignored;
            s.acceptor->close(ignored);
        });
        // Idle keep-alive connections have nothing in flight: close them now. The others
        // notice `stopping` when their response is written or their stream writes.
        s.registry.for_each([](detail::ConnectionState& c) {
            if (c.awaiting_request && c.stream != nullptr) c.stream->cancel();
        });
        if (!s.registry.wait_until_empty(s.options.shutdown_grace)) {
            spdlog::warn("{} connection(s) still open after the shutdown grace; closing them", s.registry.size());
            s.registry.for_each([](detail::ConnectionState& c) {
                if (c.stream != nullptr) c.stream->close();
            });
            s.registry.wait_until_empty(kForcedCloseWait);
        }
    }
    // Handlers still running are waited for (blocking code cannot be interrupted); queued
    // ones are dropped.
    s.workers.stop();
    s.workers.join();
    s.accept_ioc.stop();
    if (s.accept_thread.joinable()) s.accept_thread.join();
    // The close posted above may not have run before the accept thread stopped; no thread
    // uses the acceptor now.
    if (s.acceptor) {
        boost::system::error_code ignored;
        s.acceptor->close(ignored);
    }
    s.ioc_work.clear();
    for (auto& ioc : s.iocs)
        ioc->stop();
    for (auto& thread : s.io_threads)
        thread.join();
    s.io_threads.clear();
    // Their timers go while the contexts are still there.
    for (auto& sweep : s.sweeps)
        sweep->stop();

    std::lock_guard lock(s.lifecycle_mutex);
    s.stopped = true;
    s.lifecycle_changed.notify_all();
}

net::thread_pool& Server::workers() {
    return impl_->workers;
}

std::vector<std::thread::id> Server::io_thread_ids() const {
    std::vector<std::thread::id> ids;
    for (const auto& thread : impl_->io_threads)
        ids.push_back(thread.get_id());
    return ids;
}

std::size_t Server::connection_count() const {
    return impl_->registry.size();
}

ConnectionStats Server::connection_stats() const {
    const auto& s = *impl_;
    return {s.registry.size(), s.limits.max_connections, s.refused_per_client.load(), s.refused_at_capacity.load(),
            s.registry.evictions()};
}

}  // namespace ambient::http
