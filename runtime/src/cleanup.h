// Giving back what a dead process held, so that the survivors go on: its mutexes become
// abandoned (the next acquirer is told), its semaphore permits and buffer references return,
// its pending GetOrSet claims become abandoned (a waiter takes over). Run by the launcher
// once it has reaped the process (--on-worker-exit=continue), with the same native code
// the processes use. Robust mutexes a dead process held inside the store and the heap are
// repaired by the kernel and their next locker; this is for what the process held across
// calls.
#pragma once

#include <cstdint>

#include "region.h"

namespace dw {

// Process `dead_id` has died (the caller reaped it): release everything it held and clear
// its holdings. Safe to run more than once.
void CleanupProcess(Region& region, uint32_t dead_id) noexcept;

}  // namespace dw
