// bench-sse-broadcaster: the bare SSE broadcaster that bench/sse_fanout/run measures the
// API server's message streams against. It shares no code with src/ (only Boost and the
// standard library), so a slowdown in our HTTP core cannot lower this ceiling with it.
//
//   GET  /stream    200 text/event-stream, chunked; stays open and receives every event
//   POST /publish   the body becomes one event ("id: N", one "data:" line per body line),
//                   queued to every open stream; then 204
//
// Requests are read by one coroutine per connection (Beast). The fan-out is as lean as we
// could make it: each event is framed (SSE lines and chunk header) once, the same bytes go
// to every stream, and each I/O thread walks its own streams in one handler, writing to
// each with no locks, strands or timers in between. A stream that is still writing queues
// the frame and sends everything queued in one write when the previous one completes.
//
// Usage: bench-sse-broadcaster [--port N] [--threads N]   (defaults: 0 = any free port, 1
// I/O thread, like ambient-api-server; each thread runs its own io_context and streams).
// Prints "bench-sse-broadcaster listening on 127.0.0.1:<port>" once it accepts; SIGTERM stops it.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Frame = std::shared_ptr<const std::string>;

std::string sse_event(std::uint64_t id, std::string_view body) {
    std::string out = "id: " + std::to_string(id) + "\n";
    std::size_t start = 0;
    while (true) {
        const auto nl = body.find('\n', start);
        out += "data: ";
        out += body.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    out += '\n';
    return out;
}

std::string http_chunk(const std::string& payload) {
    char size_line[24];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", payload.size());
    return std::string(size_line, static_cast<std::size_t>(n)) + payload + "\r\n";
}

class Streams;

// One open stream, living on one I/O thread. Its outstanding read and write hold it alive.
struct Stream {
    Stream(tcp::socket s, Streams& owner) : socket(std::move(s)), streams(owner) {}

    tcp::socket socket;
    Streams& streams;
    std::deque<Frame> pending;
    std::vector<Frame> in_flight;  // frames of the write in progress, kept alive until it completes
    std::vector<net::const_buffer> buffers;
    bool writing = false;
    bool ended = false;
    char sink[64];
};

void send(const std::shared_ptr<Stream>& s, const Frame& frame);

// The streams of one I/O thread; touched only from that thread.
class Streams {
public:
    void add(const std::shared_ptr<Stream>& s) { open_.insert(s); }
    void remove(const std::shared_ptr<Stream>& s) { open_.erase(s); }
    void broadcast(const Frame& frame) {
        for (const auto& s : open_)
            send(s, frame);
    }

private:
    std::unordered_set<std::shared_ptr<Stream>> open_;
};

void end(const std::shared_ptr<Stream>& s) {
    if (s->ended) return;
    s->ended = true;
    boost::system::error_code ignored;
    s->socket.close(ignored);
    s->streams.remove(s);
}

void write_pending(const std::shared_ptr<Stream>& s) {
    s->in_flight.assign(s->pending.begin(), s->pending.end());
    s->pending.clear();
    s->buffers.clear();
    for (const auto& f : s->in_flight)
        s->buffers.push_back(net::buffer(*f));
    s->writing = true;
    net::async_write(s->socket, s->buffers, [s](const boost::system::error_code& ec, std::size_t) {
        s->writing = false;
        if (ec) return end(s);
        if (!s->pending.empty()) write_pending(s);
    });
}

void send(const std::shared_ptr<Stream>& s, const Frame& frame) {
    s->pending.push_back(frame);
    if (!s->writing) write_pending(s);
}

// Clients send nothing on a stream: a completed read means they left.
void watch_for_close(const std::shared_ptr<Stream>& s) {
    s->socket.async_read_some(net::buffer(s->sink), [s](const boost::system::error_code& ec, std::size_t) {
        if (ec) return end(s);
        watch_for_close(s);
    });
}

// One io_context and its streams per I/O thread.
struct IoThread {
    net::io_context ioc{1};
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    Streams streams;
};

class Broadcaster {
public:
    explicit Broadcaster(std::size_t threads) {
        for (std::size_t i = 0; i < threads; ++i)
            threads_.push_back(std::make_unique<IoThread>());
    }

    IoThread& next_thread() { return *threads_[next_++ % threads_.size()]; }
    IoThread& thread(std::size_t i) { return *threads_[i]; }
    std::size_t thread_count() const { return threads_.size(); }

    void publish(std::string_view body) {
        const auto frame = std::make_shared<const std::string>(http_chunk(sse_event(++last_id_, body)));
        for (auto& t : threads_)
            net::post(t->ioc, [t = t.get(), frame] { t->streams.broadcast(frame); });
    }

private:
    std::vector<std::unique_ptr<IoThread>> threads_;
    std::size_t next_ = 0;                    // used by the accepting thread only
    std::atomic<std::uint64_t> last_id_ = 0;  // publishes may come from any thread
};

// Runs on `home`, the I/O thread that owns the socket.
net::awaitable<void> serve_connection(tcp::socket socket, IoThread& home, Broadcaster& broadcaster) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // events must not wait for Nagle
    boost::beast::flat_buffer buffer;
    while (true) {
        http::request<http::string_body> req;
        co_await http::async_read(socket, buffer, req, net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
        if (req.method() == http::verb::get && req.target() == "/stream") {
            http::response<http::empty_body> head{http::status::ok, 11};
            head.set(http::field::content_type, "text/event-stream");
            head.set(http::field::cache_control, "no-cache");
            head.chunked(true);
            http::response_serializer<http::empty_body> serializer{head};
            co_await http::async_write_header(socket, serializer, net::redirect_error(net::use_awaitable, ec));
            if (ec) co_return;
            auto stream = std::make_shared<Stream>(std::move(socket), home.streams);
            home.streams.add(stream);
            watch_for_close(stream);
            co_return;
        }
        http::response<http::empty_body> res{http::status::not_found, 11};
        if (req.method() == http::verb::post && req.target() == "/publish") {
            broadcaster.publish(req.body());
            res.result(http::status::no_content);
        }
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await http::async_write(socket, res, net::redirect_error(net::use_awaitable, ec));
        if (ec || !req.keep_alive()) co_return;
    }
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, Broadcaster& broadcaster) {
    while (true) {
        boost::system::error_code ec;
        auto& home = broadcaster.next_thread();
        auto socket = co_await acceptor.async_accept(home.ioc, net::redirect_error(net::use_awaitable, ec));
        if (!ec) {
            net::co_spawn(home.ioc, serve_connection(std::move(socket), home, broadcaster), net::detached);
            continue;
        }
        if (ec == net::error::operation_aborted) co_return;
        // Out of descriptors: wait for some to close instead of spinning.
        net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

int usage(const char* program) {
    std::cerr << "usage: " << program << " [--port N] [--threads N]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    int threads = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) return usage(argv[0]);
        if (arg == "--port") {
            port = static_cast<unsigned short>(std::atoi(argv[++i]));
        } else if (arg == "--threads") {
            threads = std::atoi(argv[++i]);
            if (threads < 1) return usage(argv[0]);
        } else {
            return usage(argv[0]);
        }
    }
    raise_descriptor_limit();

    Broadcaster broadcaster(static_cast<std::size_t>(threads));
    auto& first = broadcaster.thread(0).ioc;
    tcp::acceptor acceptor{first};
    const tcp::endpoint endpoint{net::ip::make_address("127.0.0.1"), port};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    net::co_spawn(first, accept_loop(acceptor, broadcaster), net::detached);

    net::signal_set signals{first, SIGINT, SIGTERM};
    signals.async_wait([&broadcaster](const boost::system::error_code&, int) {
        for (std::size_t i = 0; i < broadcaster.thread_count(); ++i)
            broadcaster.thread(i).ioc.stop();
    });

    std::cout << "bench-sse-broadcaster listening on 127.0.0.1:" << acceptor.local_endpoint().port() << " (" << threads
              << " I/O thread" << (threads == 1 ? "" : "s") << ")" << std::endl;
    std::vector<std::thread> others;
    for (int i = 1; i < threads; ++i)
        others.emplace_back([&broadcaster, i] { broadcaster.thread(static_cast<std::size_t>(i)).ioc.run(); });
    first.run();
    for (auto& t : others)
        t.join();
    return 0;
}
