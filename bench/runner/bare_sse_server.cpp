// bench-runner-bare: the bare SSE server that bench/runner/run measures the runner's
// /events stream against. It shares no code with src/ (only Boost and the standard library).
//
//   GET <any path>   200 text/event-stream, chunked: every event of the events file, in
//                    order, one write per event (the plain SSE loop), then the stream stays
//                    open (as a live stream does) until the client leaves
//
// The events file holds SSE frames as bench-runner-client saved them from the runner
// ("id: N\ndata: …\n\n" each), so both servers send the same events. Each frame is framed as
// a chunk once, at start; a connection is one coroutine on one I/O thread.
//
// Usage: bench-runner-bare --events FILE [--port N] [--batch N]
//   --batch N  frames per write (1: one write per event, the default)
// Prints "bench-runner-bare listening on 127.0.0.1:<port>" once it accepts; SIGTERM stops it.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr std::string_view kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

std::string http_chunk(std::string_view payload) {
    char size_line[24];
    const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", payload.size());
    std::string out(size_line, static_cast<std::size_t>(n));
    out.append(payload);
    out += "\r\n";
    return out;
}

// The file's frames (each ending with its blank line), each framed as one chunk.
std::vector<std::string> load_chunks(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    const std::string all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<std::string> chunks;
    std::size_t start = 0;
    while (start < all.size()) {
        const auto end = all.find("\n\n", start);
        const auto stop = end == std::string::npos ? all.size() : end + 2;
        chunks.push_back(http_chunk(std::string_view(all).substr(start, stop - start)));
        start = stop;
    }
    return chunks;
}

net::awaitable<void> serve(tcp::socket socket, const std::vector<std::string>& chunks, std::size_t batch) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    co_await http::async_read(socket, buffer, request, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    co_await net::async_write(socket, net::buffer(kStreamHead), net::redirect_error(net::use_awaitable, ec));
    std::vector<net::const_buffer> buffers;
    for (std::size_t i = 0; i < chunks.size() && !ec; i += batch) {
        buffers.clear();
        for (std::size_t j = i; j < std::min(chunks.size(), i + batch); ++j)
            buffers.push_back(net::buffer(chunks[j]));
        co_await net::async_write(socket, buffers, net::redirect_error(net::use_awaitable, ec));
    }
    // A live stream stays open: wait for the client to leave.
    char sink[64];
    while (!ec)
        co_await socket.async_read_some(net::buffer(sink), net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, const std::vector<std::string>& chunks, std::size_t batch) {
    for (;;) {
        boost::system::error_code ec;
        auto socket = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(acceptor.get_executor(), serve(std::move(socket), chunks, batch), net::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string events_file;
    unsigned short port = 0;
    std::size_t batch = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 < argc && arg == "--events") {
            events_file = argv[++i];
        } else if (i + 1 < argc && arg == "--port") {
            port = static_cast<unsigned short>(std::atoi(argv[++i]));
        } else if (i + 1 < argc && arg == "--batch") {
            batch = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
        } else {
            std::cerr << "usage: bench-runner-bare --events FILE [--port N] [--batch N]\n";
            return 2;
        }
    }
    if (events_file.empty()) {
        std::cerr << "bench-runner-bare: --events FILE is required\n";
        return 2;
    }
    try {
        const auto chunks = load_chunks(events_file);
        net::io_context ioc{1};
        tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), port});
        net::signal_set signals(ioc, SIGTERM, SIGINT);
        signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
        net::co_spawn(ioc, accept_loop(acceptor, chunks, batch), net::detached);
        std::cout << "bench-runner-bare listening on 127.0.0.1:" << acceptor.local_endpoint().port() << " ("
                  << chunks.size() << " events)" << std::endl;
        ioc.run();
    } catch (const std::exception& e) {
        std::cerr << "bench-runner-bare: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
