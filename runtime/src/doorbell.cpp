#include "doorbell.h"

#include <sched.h>

#include "clock.h"
#include "futex.h"
#include "process_set.h"

namespace dw {
namespace L = layout;

namespace {

L::Doorbell* DoorbellOf(const Region& r, uint32_t id) { return r.At<L::Doorbell>(r.header()->doorbells_offset) + id; }

}  // namespace

void RingDoorbell(Region& r, uint32_t id, bool force) noexcept {
  if (id >= L::kProcessCapacity) return;
  L::Doorbell* d = DoorbellOf(r, id);
  // seq_cst on both sides (here and in WaitForDoorbell): either the sleeper sees the new
  // ring before it sleeps, or this sees it sleeping and wakes it. Likewise with a poller:
  // it stops polling (seq_cst) before its last drain, so if this saw it polling, that
  // drain comes after the message was committed.
  d->ring.fetch_add(1, std::memory_order_seq_cst);
  if (!force && d->polling.load(std::memory_order_seq_cst) != 0) return;
  if (d->sleeping.load(std::memory_order_seq_cst) != 0) FutexWake(&d->ring, kWakeAll);
}

void AddPolling(Region& r, uint32_t id, int32_t delta) noexcept {
  if (id >= L::kProcessCapacity) return;
  DoorbellOf(r, id)->polling.fetch_add(static_cast<uint32_t>(delta), std::memory_order_seq_cst);
}

void RingWatchers(Region& r, const L::ProcessSet& watchers) noexcept {
  // The caller's full fence (between its change and this) pairs with SetMember's seq_cst
  // join: not repeated here, where a queue's every message would pay for it twice.
  ForEachMember(watchers, [&](uint32_t id) { RingDoorbell(r, id); });
}

void RingAllDoorbells(Region& r) noexcept {
  for (uint32_t id = 0; id < L::kProcessCapacity; ++id) {
    if (r.process(id)->state.load(std::memory_order_acquire) != L::kProcessFree) RingDoorbell(r, id, /*force=*/true);
  }
}

uint32_t ReadDoorbell(const Region& r, uint32_t id) noexcept {
  return DoorbellOf(r, id)->ring.load(std::memory_order_acquire);
}

uint32_t WaitForDoorbell(Region& r, uint32_t id, uint32_t seen, int64_t spin_ns, int64_t timeout_ns) noexcept {
  L::Doorbell* d = DoorbellOf(r, id);
  uint32_t now = d->ring.load(std::memory_order_acquire);
  if (now != seen) return now;
  // Polling first: a futex sleep and wake costs tens of microseconds, more than a whole
  // round trip when the other side answers quickly. Each look yields the core rather than
  // spinning on it: with as many busy processes as cores, the thread that would ring us
  // may be waiting for this very core.
  if (spin_ns > 0) {
    const uint64_t until = MonotonicNs() + static_cast<uint64_t>(spin_ns);
    do {
      sched_yield();
      now = d->ring.load(std::memory_order_acquire);
      if (now != seen) return now;
    } while (MonotonicNs() < until);
  }
  d->sleeping.store(1, std::memory_order_seq_cst);
  now = d->ring.load(std::memory_order_seq_cst);
  if (now == seen) FutexWait(&d->ring, seen, timeout_ns);
  d->sleeping.store(0, std::memory_order_relaxed);
  return d->ring.load(std::memory_order_acquire);
}

}  // namespace dw
