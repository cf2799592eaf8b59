// Named cross-process locks: mutexes and counting semaphores.
//
// A mutex is one word: the owner's process id + 1. Acquiring is a compare-and-swap, so a
// process dies either holding it (the word names it) or not; the launcher turns a dead
// owner's word into "abandoned", which the next acquirer takes and is told about. Owned by
// a process, not a thread: any thread of the owner may release it (async code moves).
//
// A semaphore's permits are guarded by the lock's own robust mutex together with a count
// per process, so a holder dying mid-operation is repaired by recounting: available =
// max - sum of what live processes hold. The launcher gives a dead process's permits back.
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

// Opens (or creates) the lock `name`. A semaphore with `max_count` permits; a mutex has 1.
// DW_E_CONFLICT if the name exists as the other kind or with another count.
dw_status OpenLock(Region& region, const uint8_t* name, uint32_t name_length, uint32_t kind, uint32_t max_count,
                   uint32_t* index) noexcept;

// Acquires, waiting at most timeout_ms (0: try once; negative: no bound). DW_E_TIMEOUT if
// not acquired in time; DW_E_ABANDONED if acquired from a holder that died.
dw_status AcquireLock(Region& region, uint32_t index, int64_t timeout_ms) noexcept;

// Gives back one hold of this process. DW_E_NOT_OWNER if it holds none.
dw_status ReleaseLock(Region& region, uint32_t index) noexcept;

// Asks for process `id`'s doorbell to be rung whenever a hold of the lock comes free (its
// async acquirers wait on it); `watch` false stops it.
dw_status WatchLock(Region& region, uint32_t index, uint32_t id, bool watch) noexcept;

// True if a hold may be free now (a mutex unowned, or a semaphore permit left): one load.
bool LockMayBeFree(const Region& region, uint32_t index) noexcept;

// The launcher: whatever process `dead_id` held in any lock, and its watches.
void ReleaseLocksOf(Region& region, uint32_t dead_id) noexcept;

}  // namespace dw
