#pragma once
// A response that waits on a socket (a database query sent without waiting for its answer),
// which an I/O-thread handler returns instead of blocking: the server watches socket() on
// the connection's I/O loop and calls advance() each time it is readable, until it yields
// the response. No Beast or Asio here, so handlers stay free of the I/O library.
#include <memory>
#include <optional>
#include <variant>

#include "common/http/message.hpp"

namespace ambient::http {

class PendingResponse {
public:
    virtual ~PendingResponse() = default;
    // The descriptor to watch for readability; owned by whatever the response waits on.
    virtual int socket() const = 0;
    // Reads what has arrived without blocking: the response once it is complete, nullopt to
    // wait for the socket again. Runs on the I/O thread in a NonBlockingScope and may throw as
    // a handler does, WouldBlock included (the request then runs again on a worker).
    virtual std::optional<Response> advance() = 0;
};

// What a handler on an I/O thread answers: the response, or one that is on its way.
using IoAnswer = std::variant<Response, std::unique_ptr<PendingResponse>>;

}  // namespace ambient::http
