// The one way the region's robust mutexes are taken: a holder that died inside leaves the
// next locker holding the mutex with "owner died" (robust_mutex.h); that locker runs the
// structure's repair, then marks the mutex consistent. An unrecoverable mutex (a repair
// that never happened) marks the region corrupt.
#pragma once

#include "dotnet_workers/dw_status.h"
#include "region.h"
#include "robust_mutex.h"

namespace dw {

// Locks `mutex`; if its last holder died holding it, runs `repair()` (under the mutex) and
// marks it consistent. `unrecoverable` is the corruption message for a lost mutex.
template <typename Repair>
dw_status LockRepairing(Region& r, layout::MutexSlot* mutex, const char* unrecoverable, Repair repair) noexcept {
  switch (LockRobust(mutex)) {
    case LockResult::kAcquired: return DW_OK;
    case LockResult::kOwnerDied:
      repair();
      MarkConsistent(mutex);
      return DW_OK;
    default: return r.Corrupt(unrecoverable);
  }
}

// For a mutex whose structure needs no repair (every change under it is one store).
inline dw_status LockRepairing(Region& r, layout::MutexSlot* mutex, const char* unrecoverable) noexcept {
  return LockRepairing(r, mutex, unrecoverable, [] {});
}

}  // namespace dw
