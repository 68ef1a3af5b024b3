#pragma once
// The process's own memory, for /metrics: what an operator (and the soak) watches to tell a
// leak from a cache filling up.
#include <cstdint>

namespace ambient {

struct ProcessMemory {
    std::int64_t resident = -1;       // RSS in bytes (/proc/self/statm); -1 when unreadable
    std::int64_t heap_in_use = -1;    // bytes malloc has handed out and not had back
    std::int64_t heap_retained = -1;  // bytes malloc holds from the kernel, in use or free
};

ProcessMemory process_memory();

}  // namespace ambient
