// Per-process doorbells: one futex word per process that its dispatcher sleeps on. Whoever
// has news for a process (a message in a queue it watches, shutdown, a process dying) rings
// it; the kernel is called only if the dispatcher actually sleeps.
#pragma once

#include <cstdint>

#include "dotnet_workers/process_set_layout.h"
#include "region.h"

namespace dw {

// Adds one to process `id`'s ring and wakes its dispatcher if it sleeps, unless a thread of
// that process polls its inbox (a message will be seen without the kernel). `force` wakes
// it regardless: for news only the dispatcher acts on (shutdown, a stop, a death).
void RingDoorbell(Region& region, uint32_t id, bool force = false) noexcept;

// A thread of process `id` starts (+1) or stops (-1) polling its inbox. One that stops
// must drain the inbox once more afterwards: a ring skipped while it polled is not repeated.
void AddPolling(Region& region, uint32_t id, int32_t delta) noexcept;

// Rings the doorbell of every member of `watchers` (not forced). The caller changed what
// they watch, then made a full fence (std::atomic_thread_fence seq_cst), then calls this:
// a watcher joins (seq_cst) before it looks again, so either its look sees the change or
// this sees it in the set.
void RingWatchers(Region& region, const layout::ProcessSet& watchers) noexcept;

// Rings every process's doorbell (shutdown, a process died).
void RingAllDoorbells(Region& region) noexcept;

// The ring's current value: what WaitForDoorbell compares with.
uint32_t ReadDoorbell(const Region& region, uint32_t id) noexcept;

// Waits until the ring differs from `seen`: first spinning for up to `spin_ns`, then
// sleeping in the kernel at most `timeout_ns` (negative: no bound). Returns the ring.
uint32_t WaitForDoorbell(Region& region, uint32_t id, uint32_t seen, int64_t spin_ns, int64_t timeout_ns) noexcept;

}  // namespace dw
