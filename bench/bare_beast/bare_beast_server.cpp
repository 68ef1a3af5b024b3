// bench-bare-beast: the bare HTTP ceiling that bench/api/run sets the API server against.
// It shares no code with src/ (only Boost and the standard library): no router, no
// authentication, no logging, no timeouts, no worker pool. What is left is what any
// Boost.Beast HTTP/1.1 server must do per request: parse it, build and serialize a response,
// write it. The API server's figures divided by this one are the share of the machine that
// our HTTP core, not Beast, leaves on the table.
//
//   <any method> <any target>  200 with the bytes of --body-file, or of FILE for a path given
//                              as --route PATH FILE (exact match, query ignored); the headers
//                              are Content-Type: application/json, then each --header line;
//                              Content-Length always; keep-alive as the client asks
//
// bench/api/run fetches the real route's body and headers with curl and hands them over, so
// both servers put the same bytes on the wire.
//
// Threads: one io_context per thread, each run by its own thread alone (concurrency hint 1).
// One acceptor, on the first context, hands accepted sockets round-robin to the contexts.
// The alternative, an SO_REUSEPORT acceptor per thread, lets the kernel spread connections by
// a hash of their addresses: with wrk's few dozen connections, opened once and kept alive,
// that can leave one thread with noticeably more connections than another, and the figure
// would then measure the hash. Round-robin splits them evenly, and accepting costs nothing
// that matters here since every connection is kept alive for the whole run.
//
// Usage: bench-bare-beast --body-file FILE [--route PATH FILE]… [--header "Name: value"]…
//                         [--threads N] [--port N]
//   --threads N  I/O threads (default: the number of CPUs)
//   --port N     0 (the default) picks a free port
// Prints "bench-bare-beast listening on 127.0.0.1:<port> (<N> threads)" once it accepts;
// SIGTERM or SIGINT stops it.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
// A socket bound to its io_context's own executor: no type-erased executor per operation.
using Socket = tcp::socket::rebind_executor<net::io_context::executor_type>::other;

struct Answers {
    std::string default_body;
    std::map<std::string, std::string, std::less<>> bodies;  // exact path -> body
    std::vector<std::pair<std::string, std::string>> headers;

    const std::string& body_for(std::string_view target) const {
        const auto path = target.substr(0, target.find('?'));
        const auto found = bodies.find(path);
        return found == bodies.end() ? default_body : found->second;
    }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "Name: value" -> {"Name", "value"}.
std::pair<std::string, std::string> parse_header(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) throw std::runtime_error("bad --header: " + std::string(line));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    return {std::string(line.substr(0, colon)), std::string(value)};
}

http::response<http::string_body> answer(const http::request<http::string_body>& request, const Answers& answers) {
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : answers.headers)
        response.set(name, value);
    const auto target = request.target();
    response.body() = answers.body_for({target.data(), target.size()});
    response.prepare_payload();
    response.keep_alive(request.keep_alive());
    return response;
}

// The coroutine frame owns the connection; it ends when the client leaves or asks to close.
net::awaitable<void> serve(Socket socket, const Answers& answers) {
    boost::beast::flat_buffer buffer;
    error_code ec;
    for (;;) {
        http::request<http::string_body> request;
        co_await http::async_read(socket, buffer, request, net::redirect_error(net::use_awaitable, ec));
        if (ec) break;
        auto response = answer(request, answers);
        co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
        if (ec || !response.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<std::unique_ptr<net::io_context>>& contexts,
                                 const Answers& answers) {
    std::size_t next = 0;
    for (;;) {
        auto& context = *contexts[next];
        next = (next + 1) % contexts.size();
        error_code ec;
        Socket socket =
            co_await acceptor.async_accept(context.get_executor(), net::redirect_error(net::use_awaitable, ec));
        if (ec == net::error::operation_aborted) co_return;
        if (ec) {
            std::cerr << "bench-bare-beast: accept: " << ec.message() << "\n";
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(context, serve(std::move(socket), answers), net::detached);
    }
}

struct Options {
    Answers answers;
    bool have_body = false;
    unsigned threads = 0;
    unsigned short port = 0;
};

[[noreturn]] void usage() {
    std::cerr << "usage: bench-bare-beast --body-file FILE [--route PATH FILE]... [--header \"Name: value\"]...\n"
                 "                        [--threads N] [--port N]\n";
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const int left = argc - i - 1;
        if (arg == "--body-file" && left >= 1) {
            opt.answers.default_body = read_file(argv[++i]);
            opt.have_body = true;
        } else if (arg == "--route" && left >= 2) {
            std::string path = argv[++i];
            opt.answers.bodies.insert_or_assign(std::move(path), read_file(argv[++i]));
        } else if (arg == "--header" && left >= 1) {
            opt.answers.headers.push_back(parse_header(argv[++i]));
        } else if (arg == "--threads" && left >= 1) {
            const int n = std::atoi(argv[++i]);
            if (n < 1) usage();
            opt.threads = static_cast<unsigned>(n);
        } else if (arg == "--port" && left >= 1) {
            const int n = std::atoi(argv[++i]);
            if (n < 0 || n > 65535) usage();
            opt.port = static_cast<unsigned short>(n);
        } else {
            usage();
        }
    }
    if (!opt.have_body) usage();
    if (opt.threads == 0) opt.threads = std::max(1u, std::thread::hardware_concurrency());
    return opt;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_options(argc, argv);
    try {
        std::vector<std::unique_ptr<net::io_context>> contexts;
        for (unsigned i = 0; i < opt.threads; ++i)
            contexts.push_back(std::make_unique<net::io_context>(1));
        // The other contexts have no work until a connection arrives; keep their run() going.
        std::vector<net::executor_work_guard<net::io_context::executor_type>> idle_guards;
        for (unsigned i = 1; i < opt.threads; ++i)
            idle_guards.push_back(net::make_work_guard(*contexts[i]));

        tcp::acceptor acceptor(*contexts[0], {net::ip::make_address("127.0.0.1"), opt.port});
        net::signal_set signals(*contexts[0], SIGTERM, SIGINT);
        signals.async_wait([&](const error_code&, int) {
            for (auto& context : contexts)
                context->stop();
        });
        net::co_spawn(*contexts[0], accept_loop(acceptor, contexts, opt.answers), net::detached);
        std::cout << "bench-bare-beast listening on 127.0.0.1:" << acceptor.local_endpoint().port() << " ("
                  << opt.threads << " threads)" << std::endl;

        // Declared after the contexts, so joined (on destruction) before they are destroyed.
        std::vector<std::jthread> threads;
        for (unsigned i = 1; i < opt.threads; ++i)
            threads.emplace_back([&context = *contexts[i]] { context.run(); });
        contexts[0]->run();
    } catch (const std::exception& e) {
        std::cerr << "bench-bare-beast: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
