#include "common/http/wakeup.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ambient::http {

namespace net = boost::asio;

Wakeup::Wakeup(net::any_io_executor executor) : executor_(executor), timer_(executor) {}

void Wakeup::notify() {
    if (pending_.exchange(true)) return;  // a wake-up is already on its way
    // The timer is touched only on its executor; the flag covers a wait not yet started.
    net::post(executor_, [self = shared_from_this()] { self->timer_.cancel(); });
}

net::awaitable<bool> Wakeup::wait_until(std::chrono::steady_clock::time_point deadline) {
    if (pending_.exchange(false)) co_return true;
    timer_.expires_at(deadline);
    boost::system::error_code ignored;
    co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ignored));
    co_return pending_.exchange(false);
}

}  // namespace ambient::http
