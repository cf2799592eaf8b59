#include "cleanup.h"

#include "buffers.h"
#include "doorbell.h"
#include "holdings.h"
#include "named_locks.h"
#include "queue.h"
#include "services.h"
#include "store.h"

namespace dw {
namespace L = layout;

void CleanupProcess(Region& r, uint32_t dead_id) noexcept {
  if (dead_id >= L::kProcessCapacity) return;
  ReleaseLocksOf(r, dead_id);
  UnwatchAllQueues(r, dead_id);
  WatchClaims(r, dead_id, false);
  UnserveAll(r, dead_id);
  L::Holding* slots = HoldingsOf(r, dead_id);
  for (uint32_t i = 0; i < L::kHoldingsPerProcess; ++i) {
    L::Holding& h = slots[i];
    const uint32_t kind = h.kind.load(std::memory_order_acquire);
    const uint64_t ref = h.ref.load(std::memory_order_relaxed);
    const uint32_t count = h.count.load(std::memory_order_relaxed);
    if (kind == L::kHoldBuffer) ReleaseBufferReferences(r, static_cast<uint32_t>(ref), count);
    if (kind == L::kHoldPending) AbandonClaim(r, dead_id, ref);
    h.kind.store(L::kHoldNone, std::memory_order_release);
    h.count.store(0, std::memory_order_relaxed);
    h.ref.store(0, std::memory_order_relaxed);
  }
  // Whoever waits on something of the dead process (a lock, a GetOrSet, a call) wakes and
  // looks again.
  RingAllDoorbells(r);
}

}  // namespace dw
