// The cluster-wide shutdown flag: RegionHeader::shutdown_state, also a futex word.
#pragma once

#include <cstdint>

#include "futex.h"
#include "region.h"

namespace dw {

// Sets the state to kShutdownRequested (keeping the first reason), marks every starting or
// running process stopping, and wakes every waiter in every process (those on the
// header's word and those on their own entry's). Safe from any process, any number of times.
void RequestShutdown(Region& region, uint32_t reason) noexcept;

// Waits once (a wake may end it early) while the state is kRunning; returns the state.
// *ok is false if the kernel refused the wait.
uint32_t WaitForShutdown(Region& region, int64_t timeout_ns, bool* ok) noexcept;

}  // namespace dw
