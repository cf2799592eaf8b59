// What the kernel says about a process (/proc/PID/statm): the supervisor's view of a
// worker's memory, for --max-memory, whether the process uses the library or not.
#pragma once

#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace dw::host {

// Resident memory of `pid` in bytes, or nullopt if it is gone.
std::optional<uint64_t> ResidentBytes(pid_t pid);

}  // namespace dw::host
