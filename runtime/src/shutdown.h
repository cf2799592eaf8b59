// The cluster-wide shutdown flag: RegionHeader::shutdown_state, also a futex word.
#pragma once

#include <cstdint>

#include "futex.h"
#include "region.h"

namespace dw {

// Sets the state to kShutdownRequested (keeping the first reason) and wakes every waiter
// in every process. Safe from any process, any number of times.
void RequestShutdown(Region& region, uint32_t reason) noexcept;

// Waits once (a wake may end it early) while the state is kRunning; returns the state.
uint32_t WaitForShutdown(Region& region, int64_t timeout_ns) noexcept;

// Wakes every waiter without changing the state.
void WakeShutdownWaiters(Region& region) noexcept;

}  // namespace dw
