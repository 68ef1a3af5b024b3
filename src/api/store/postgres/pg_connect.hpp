#pragma once
// How every libpq connection of the server is opened: the pool's, the notify listener's and
// the notify publisher's.
#include <libpq-fe.h>

#include <chrono>
#include <string>

namespace ambient::store::postgres {

// Connects to `url` with a bounded connect timeout (whole seconds, at least 2, as libpq
// counts them) and TCP keepalives that drop a connection whose server went silent (a
// failover, a host gone) within about 11 s, instead of leaving a statement or a LISTEN
// waiting for ever. Parameters in the URL win. Never null: check PQstatus().
PGconn* connect_to(const std::string& url, std::chrono::milliseconds connect_timeout, const char* application_name);

}  // namespace ambient::store::postgres
