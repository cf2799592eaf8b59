// The region's allocator. Offsets, never pointers: Allocate returns the region offset of
// a payload of at least the asked size; Free takes it back.
//
// Large blocks given back merge with the free large blocks right before and after them;
// an allocation splits a bigger free block, or grows the highest one over the top.
//
// Crash safety: every change to a free list is a single aligned store, or (large list) a
// short sequence of them made under that list's robust mutex and ordered so that the next
// locker after an owner-died can tell how far it got and finish it (the block being given
// back is journaled in the large list's `pending`); fresh blocks are cut from the top with
// a compare-and-swap. A process killed at any instruction therefore leaves the lists well
// formed; what it can lose is the block it was taking at that moment, or a block it was
// giving back before it held the list's lock (at most one per thread, never more than the
// block's size). See docs/protocol.md, "Heap", and heap.cpp's large-list notes.
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

struct HeapStatistics {
  uint64_t heap_bytes = 0;  // the heap's size
  uint64_t never_used = 0;  // bytes above the top: never touched
  uint64_t used_bytes = 0;  // allocated blocks, headers included
  uint64_t free_bytes = 0;  // blocks on free lists, ready for reuse
  uint64_t allocations = 0;
  uint64_t frees = 0;
};

// The creator, once: robust mutexes, the top at the heap's start.
bool InitializeHeap(Region& region) noexcept;

// `zeroed`: the payload's first `bytes` read as zero (fresh memory already does; a reused
// block is cleared, all but the pages a large block gave back to the kernel).
dw_status Allocate(Region& region, uint64_t bytes, uint64_t* payload_offset, bool zeroed = false) noexcept;
dw_status Free(Region& region, uint64_t payload_offset) noexcept;

// The bytes a payload can hold (its block's size less the header).
uint64_t PayloadCapacity(const Region& region, uint64_t payload_offset) noexcept;

HeapStatistics ReadHeapStatistics(const Region& region) noexcept;

// The block size a request of `bytes` takes, header and rounding included.
uint64_t BlockSizeFor(uint64_t bytes) noexcept;

}  // namespace dw
