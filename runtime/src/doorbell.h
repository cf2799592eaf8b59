// Per-process doorbells: one futex word per process that its dispatcher sleeps on. Whoever
// has news for a process (a message in a queue it watches, shutdown, a process dying) rings
// it; the kernel is called only if the dispatcher actually sleeps.
#pragma once

#include <cstdint>

#include "region.h"

namespace dw {

// Adds one to process `id`'s ring and wakes its dispatcher if it sleeps.
void RingDoorbell(Region& region, uint32_t id) noexcept;

// Rings every process's doorbell (shutdown, a process died).
void RingAllDoorbells(Region& region) noexcept;

// The ring's current value: what WaitForDoorbell compares with.
uint32_t ReadDoorbell(const Region& region, uint32_t id) noexcept;

// Waits until the ring differs from `seen`: first spinning for up to `spin_ns`, then
// sleeping in the kernel at most `timeout_ns` (negative: no bound). Returns the ring.
uint32_t WaitForDoorbell(Region& region, uint32_t id, uint32_t seen, int64_t spin_ns, int64_t timeout_ns) noexcept;

}  // namespace dw
