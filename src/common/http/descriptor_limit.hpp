#pragma once
// The process's open-file limit, which bounds how many connections a server can hold.
#include <cstddef>

namespace ambient::http {

struct DescriptorLimit {
    std::size_t before = 0;  // the soft limit found
    std::size_t now = 0;     // the soft limit after raising it
};

// Raises the soft RLIMIT_NOFILE to the hard limit (the most an unprivileged process may ask),
// so that the connection caps, not the kernel, decide when clients are refused.
DescriptorLimit raise_descriptor_limit();

// The current soft RLIMIT_NOFILE.
std::size_t descriptor_limit();

// The connection cap for a descriptor limit: half of what remains after a reserve of 64 for
// the listener, log files and the database pool, since each connection may also hold an
// upstream socket (a proxied event stream), and at most 65,536.
std::size_t default_max_connections(std::size_t descriptor_limit);

}  // namespace ambient::http
