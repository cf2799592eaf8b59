// What a process holds that must be given back if it dies: buffer references and pending
// GetOrSet claims. One table of kHoldingsPerProcess slots per process, in the region.
//
// Only the process itself writes its slots (its threads serialize on a process-local
// mutex), and only the launcher reads them, after the process is dead. A slot's kind is
// written last when it is filled and first when it is emptied, so whatever instruction
// the process dies at, a slot with a kind has a valid ref and count.
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

// Adds `count` to this process's holding of (kind, ref), taking a free slot if needed.
dw_status AddHolding(Region& region, uint32_t kind, uint64_t ref, uint32_t count) noexcept;

// Takes `count` away; the slot is freed when it reaches zero. DW_E_NOT_OWNER if this
// process holds less than `count`.
dw_status RemoveHolding(Region& region, uint32_t kind, uint64_t ref, uint32_t count) noexcept;

// How many of (kind, ref) process `id` holds.
uint32_t HeldCount(const Region& region, uint32_t id, uint32_t kind, uint64_t ref) noexcept;

// Process `id`'s slots.
layout::Holding* HoldingsOf(const Region& region, uint32_t id) noexcept;

}  // namespace dw
