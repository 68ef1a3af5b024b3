#include "blocking_poster.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct BlockingPoster::Impl {
    HttpUrl url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout;
    net::io_context ioc;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    // One exchange on the current connection, run to completion or to the deadline
    // (asynchronous operations, because only those honour tcp_stream's expiry).
    PostResult exchange(std::string_view body) {
        PostResult result;
        boost::system::error_code ec;
        if (!stream) {
            stream.emplace(ioc);
            buffer.clear();
            stream->expires_after(timeout);
            net::ip::tcp::resolver resolver(ioc);
            const auto endpoints = resolver.resolve(url.host, url.port, ec);
            if (!ec) stream->async_connect(endpoints, [&](const boost::system::error_code& e, auto&&) { ec = e; });
            run();
            if (ec) return fail(result, "connect: " + ec.message());
            stream->socket().set_option(net::ip::tcp::no_delay(true), ec);
        }
        http::request<http::string_body> req{http::verb::post, url.target, 11};
        req.set(http::field::host, url.authority());
        req.set(http::field::content_type, "application/json");
        for (const auto& [name, value] : headers)
            req.set(name, value);
        req.body() = std::string(body);
        req.prepare_payload();
        http::response<http::string_body> res;
        stream->expires_after(timeout);
        http::async_write(*stream, req, [&](const boost::system::error_code& e, std::size_t) {
            ec = e;
            if (!ec)
                http::async_read(*stream, buffer, res,
                                 [&](const boost::system::error_code& r, std::size_t) { ec = r; });
        });
        run();
        if (ec) return fail(result, ec.message());
        result.status = res.result_int();
        result.body = std::move(res.body());
        if (!res.keep_alive()) stream.reset();
        return result;
    }

    void run() {
        ioc.restart();
        ioc.run();
    }

    PostResult& fail(PostResult& result, std::string why) {
        stream.reset();
        result.error = std::move(why);
        return result;
    }
};

BlockingPoster::BlockingPoster(HttpUrl url, std::vector<std::string> headers, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->url = std::move(url);
    impl_->timeout = timeout;
    for (const auto& h : headers) {
        const auto colon = h.find(':');
        if (colon == std::string::npos) continue;
        const auto value = h.find_first_not_of(' ', colon + 1);
        impl_->headers.emplace_back(h.substr(0, colon), value == std::string::npos ? "" : h.substr(value));
    }
}

BlockingPoster::~BlockingPoster() = default;

PostResult BlockingPoster::post(std::string_view body) {
    const bool reused = impl_->stream.has_value();
    auto result = impl_->exchange(body);
    // A kept-alive connection the server closed meanwhile fails on first use: retry once.
    if (result.status == 0 && reused) result = impl_->exchange(body);
    return result;
}

}  // namespace bench
