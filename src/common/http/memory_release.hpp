#pragma once
// Handing freed heap memory back to the system. glibc's malloc keeps what a burst of large
// requests freed (its mmap threshold grows after each large free, so later large buffers come
// from arenas that shrink only at their top): without this the resident size stays at its peak.

namespace ambient::http {

// Returns free memory of every malloc arena to the system (glibc's malloc_trim(0)); does
// nothing with other C libraries. Takes milliseconds on a large heap: call it off I/O threads.
void release_free_memory();

}  // namespace ambient::http
