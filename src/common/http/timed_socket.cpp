#include "common/http/timed_socket.hpp"

namespace ambient::http::detail {

TimedSocket::TimedSocket(IoSocket socket, DeadlineSweep& sweep) : socket_(std::move(socket)), sweep_(sweep) {
    sweep_.add(*this);
}

TimedSocket::~TimedSocket() {
    sweep_.remove(*this);
}

void TimedSocket::cancel() {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
}

void TimedSocket::close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
}

DeadlineSweep::DeadlineSweep(boost::asio::io_context& ioc) : timer_(std::in_place, ioc.get_executor()) {}

DeadlineSweep::~DeadlineSweep() {
    // Sockets destroyed after this would unlink themselves from a dead list.
    for (auto* socket = first_; socket != nullptr; socket = socket->next_)
        socket->previous_ = socket->next_ = nullptr;
}

void DeadlineSweep::stop() {
    timer_.reset();
    armed_ = false;
}

void DeadlineSweep::add(TimedSocket& socket) {
    socket.next_ = first_;
    if (first_ != nullptr) first_->previous_ = &socket;
    first_ = &socket;
    if (!armed_) arm();
}

void DeadlineSweep::remove(TimedSocket& socket) {
    if (socket.previous_ != nullptr) socket.previous_->next_ = socket.next_;
    if (socket.next_ != nullptr) socket.next_->previous_ = socket.previous_;
    if (first_ == &socket) first_ = socket.next_;
    socket.previous_ = socket.next_ = nullptr;
    // The timer stays armed until its next sweep finds the list empty: disarming here would
    // cost a timer update for every short connection.
}

void DeadlineSweep::arm() {
    if (!timer_) return;
    armed_ = true;
    timer_->expires_after(kSweepPeriod);
    timer_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;  // stopped
        sweep();
    });
}

void DeadlineSweep::sweep() {
    armed_ = false;
    const auto now = TimedSocket::Clock::now();
    for (auto* socket = first_; socket != nullptr; socket = socket->next_) {
        if (socket->overdue(now)) socket->cancel();
    }
    if (first_ != nullptr) arm();
}

}  // namespace ambient::http::detail
