// What the kernel says about a process (/proc/PID/status): the supervisor's view of a
// worker's memory, for --max-memory, whether the process uses the library or not.
#pragma once

#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace dw::host {

// The private resident memory of `pid` in bytes (RssAnon: its heaps and stacks), or nullopt
// if it is gone. Not VmRSS: that counts the pages of the shared region and of the runtime's
// libraries it touched, which every process shares, and a worker reading a large shared
// buffer would pass any limit.
std::optional<uint64_t> ResidentBytes(pid_t pid);

}  // namespace dw::host
