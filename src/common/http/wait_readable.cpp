#include "common/http/wait_readable.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ambient::http::detail {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

using Descriptor = net::posix::basic_stream_descriptor<IoExecutor>;

// Gives the descriptor back to its owner however the wait ends (a descriptor object closes
// what it holds when destroyed).
struct Borrowed {
    Descriptor& descriptor;
    ~Borrowed() {
        if (descriptor.is_open()) descriptor.release();
    }
};

}  // namespace

net::awaitable<error_code> wait_readable(IoExecutor executor, int fd) {
    Descriptor descriptor(executor);
    error_code ec;
    descriptor.assign(fd, ec);
    if (ec) co_return ec;
    Borrowed borrowed{descriptor};
    co_await descriptor.async_wait(Descriptor::wait_read, net::redirect_error(net::use_awaitable, ec));
    co_return ec;
}

}  // namespace ambient::http::detail
