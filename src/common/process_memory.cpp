#include "common/process_memory.hpp"

#include <malloc.h>
#include <unistd.h>

#include <fstream>

namespace ambient {

ProcessMemory process_memory() {
    ProcessMemory m;
    std::ifstream statm("/proc/self/statm");
    long long size_pages = 0;
    long long resident_pages = 0;
    if (statm >> size_pages >> resident_pages) m.resident = resident_pages * ::sysconf(_SC_PAGESIZE);
    // mallinfo2 walks every arena under its lock: cheap next to a scrape's interval.
    const auto info = ::mallinfo2();
    m.heap_in_use = static_cast<std::int64_t>(info.uordblks + info.hblkhd);
    m.heap_retained = static_cast<std::int64_t>(info.arena + info.hblkhd);
    return m;
}

}  // namespace ambient
